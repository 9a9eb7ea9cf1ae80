"""What every server-rendered page shares, the citizen portal's and the console's alike.

`templates/layout.html` is the one page shell (landmarks, skip link, the display
preferences of 适老化: large text and plain reading, kept in a cookie, no script
needed), and `templates/_menu.html` its menu of links, which the console's parts reuse
for their sub-menus; `environment` builds the one Jinja environment the app renders with;
`display` reads and writes the preference cookie; `error_pages` draws an error
in the site's layout for the kernel's error handlers and the subsite resolver.

May import `yiwang.platform`, `yiwang.tenants` and `yiwang.runtime.static`.
"""

from yiwang.runtime.web import messages as messages

__all__ = ["messages"]
