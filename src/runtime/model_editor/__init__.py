"""The operator's metadata editor in the console (`/console/t/{code}/model`): a tenant's
item types and their fields (base or local), forms that edit the overlay draft with no
JSON typed (`edits`), the draft's citizen forms, diff and impact before publishing,
versions and rollback (`pages`, templates in the web layout).

Imports `yiwang.metadata` (the service, resolution, descriptors), `yiwang.policy` (the
role catalogue), `yiwang.tenants`, `yiwang.platform`, and the runtime's `forms` (the
citizen form renderer), `web` (the layout's display preferences) and `portal.rendering`
(`here`: the path a sign-in returns to); only `app` imports it.
"""

from yiwang.runtime.model_editor import messages as messages
