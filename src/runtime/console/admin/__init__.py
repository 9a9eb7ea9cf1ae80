"""The provincial admin pages of the console (`/console/t/{code}/admin/...`): the tenant's
subtree with suspend and resume (`tenants`), onboarding from a division file as a
background job with a progress page (`onboarding`), who holds which role and granting
and revoking (`roles`), and the audit trail with its verification (`audit`).

Pages only: every change goes through the service the JSON API calls (`Lifecycle`,
`Onboarding` in the `onboard_divisions` job, `PolicyAdmin`), so it is audited and refused
the same way. May import `yiwang.platform` (the audit chain's verification),
`yiwang.tenants`, `yiwang.policy`, and the runtime rooms `console` (the shell, the sign-in
redirect), `jobs` (the queue and the onboarding definition), `portal` and `web`.
"""

from yiwang.runtime.console.admin import messages as messages

__all__ = ["messages"]
