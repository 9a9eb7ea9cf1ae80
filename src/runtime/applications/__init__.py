"""Applications (申请): a citizen's application stored as a record and opened as a case
in the same unit of work, over the API and the HTML application page.

Imports `yiwang.runtime.records` (the application record, its service item),
`yiwang.runtime.cases` (the case), `yiwang.runtime.forms` (the page's renderer),
`yiwang.metadata`, `yiwang.policy`, `yiwang.tenants` and `yiwang.platform`.
Neither records nor cases import this room.
"""

from yiwang.runtime.applications import messages as _messages  # noqa: F401  (registers the catalogue)
