"""The queries that cross tenants: the only SQL of this room that reads more than one
tenant, and each function's name says so.

They never choose their tenants around row-level security: the caller passes
the ids it wants, already within the scope the guard decided for the
`/subtree/` route, and the policy on every table admits only the transaction's
visible tenants anyway, so a tenant outside the subtree reads as empty.

Bounds: each statement runs under `SET LOCAL statement_timeout` (`TIME_LIMIT_MS`)
and reads one row (or group) more than it returns, so a caller learns that a
bound was hit. A page is read per tenant on its own index (a LATERAL join over
the tenant ids, as the list room's subtree page does) and merged: one short
index scan per tenant instead of sorting the subtree.

Modules: `bounds` (the time limit and the row bound), `fields` (query fields, their
columns and conditions), `case_reads` (page, an export's steps and total, counts), `metric_parts`,
`rollup_reads` and `direct_counts` (the metrics' counts from the rollup, and the
direct reference it must agree with).
"""

from yiwang.runtime.supervision.cross_tenant.bounds import TIME_LIMIT_MS, Bounded
from yiwang.runtime.supervision.cross_tenant.case_reads import (
    cross_tenant_case_batch,
    cross_tenant_case_counts,
    cross_tenant_case_page,
    cross_tenant_case_total,
)
from yiwang.runtime.supervision.cross_tenant.direct_counts import cross_tenant_metric_rows_direct
from yiwang.runtime.supervision.cross_tenant.fields import RUNNING
from yiwang.runtime.supervision.cross_tenant.metric_parts import METRIC_PARTS
from yiwang.runtime.supervision.cross_tenant.rollup_reads import (
    cross_tenant_metric_rows,
    whole_months,
)

__all__ = [
    "METRIC_PARTS",
    "RUNNING",
    "TIME_LIMIT_MS",
    "Bounded",
    "cross_tenant_case_batch",
    "cross_tenant_case_counts",
    "cross_tenant_case_page",
    "cross_tenant_case_total",
    "cross_tenant_metric_rows",
    "cross_tenant_metric_rows_direct",
    "whole_months",
]
