"""Who is who (`identity`), then who may do what: the role catalogue, the Casbin
model and enforcer, policy storage and its sync between workers, and the guard
on every route.

`identity` stands below the rules and never imports them. The package imports
`yiwang.tenants` and `yiwang.platform`; never metadata or the runtime.
"""

from yiwang.policy import messages as _messages  # noqa: F401  (registers this context's messages)
