"""What metadata becomes, one room per concept: records, lists, forms, routes,
cases, certificates, supervision, the portal and console, and jobs.

Imports `yiwang.metadata`, `yiwang.policy`, `yiwang.tenants` and `yiwang.platform`;
only `app` and `cli` import it.
"""
