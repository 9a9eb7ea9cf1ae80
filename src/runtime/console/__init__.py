"""The staff console (`/console/...`): signing in by account, password and TOTP, the list
of tenants where the person holds a role, each tenant's inbox of open tasks, and the page
where a case is handled through exactly the actions its route allows the person.

`navigation` holds the console's menu as one data list that other console rooms
(the metadata editor, the supervision dashboard) extend; `shell` draws every console
page in the one layout of `yiwang.runtime.web`; `offers` asks the route engine, dry,
which actions a person may take; `values` shows form data as a reader expects it.

May import `yiwang.platform`, `yiwang.tenants`, `yiwang.policy` (identity's services,
to sign in; the grants, to list a person's tenants), `yiwang.metadata` and the runtime
rooms it reads: `cases`, `routes`, `portal` (the signed-in viewer), `static`, `web`.
"""

from yiwang.runtime.console import messages as messages

__all__ = ["messages"]
