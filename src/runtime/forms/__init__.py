"""Forms as people meet them: server-rendered HTML of any form descriptor, the
citizen form page that shows it works without JavaScript, and the options
endpoint the clients' pickers read (departments, divisions; references later).

Imports `yiwang.metadata` (descriptors, validation), `yiwang.tenants` (the
tree, departments) and `yiwang.platform`; only `app` imports it.
"""

from yiwang.runtime.forms import messages as messages
