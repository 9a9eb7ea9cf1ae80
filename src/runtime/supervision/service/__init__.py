"""Supervision's logic: the cross-tenant queries and metrics a supervisor reads over
their subtree, and the facts, evaluations, complaints and 督办 orders it writes.

Takes the request's unit of work; its scope is the one the guard decided
(`/subtree/` routes: the supervisor's subtree). The tenants a query reads are
the scope's visible ones, narrowed by `filter.tenant` / `filter.level`; a code
outside the scope or unknown narrows to nothing and says nothing. Every write
acts as one tenant (the case's), is audited in the same transaction, and an
order or response on a case is a row of the case's timeline too.
"""

from yiwang.runtime.supervision.service.base import MAX_TEXT, Clock, china_today
from yiwang.runtime.supervision.service.feedback import CaseFeedback
from yiwang.runtime.supervision.service.orders import MAX_ORDER_DAYS, Orders
from yiwang.runtime.supervision.service.period_metrics import DEFAULT_GRAIN, PeriodMetrics
from yiwang.runtime.supervision.service.reads import CrossTenantReads


class SupervisionService(CrossTenantReads, PeriodMetrics, CaseFeedback, Orders):
    """The whole of supervision's logic for one unit of work, as the controllers, the
    escalation job and the benches call it; each part lives in its own module."""


__all__ = [
    "DEFAULT_GRAIN",
    "MAX_ORDER_DAYS",
    "MAX_TEXT",
    "CaseFeedback",
    "Clock",
    "CrossTenantReads",
    "Orders",
    "PeriodMetrics",
    "SupervisionService",
    "china_today",
]
