"""The supervision dashboard (监察指标大屏): server-rendered pages over the supervision
service for a province's or a prefecture's supervisors.

Holds the pure figures of a region page (`figures`: the metrics a reader can choose,
a subtree's figures summed from its tenants' counters, the chart and map data), the
monthly report as XLSX and PDF (`report`), the red and yellow lists and their
server-sent event stream (`alerts`), the pages themselves (`pages`), and 导出: the
export job started from the page, its progress and its download (`exports`). Every
figure comes from `SupervisionService` over the guard's subtree scope: the pages
are `/subtree/` routes, so row-level security holds what a supervisor sees.

Imports `yiwang.runtime.supervision` (its service, metrics, errors and exports),
`yiwang.runtime.jobs` (an export job's status, as the console's lists do),
`yiwang.runtime.spreadsheets`, `yiwang.runtime.certificates` (the CJK font),
`yiwang.runtime.web`, `yiwang.runtime.static`, `yiwang.policy`, `yiwang.tenants` and
`yiwang.platform`.
"""

from yiwang.runtime.supervision.dashboard import messages as _messages  # noqa: F401  (registers messages)
