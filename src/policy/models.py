"""Policy storage: Casbin's rule table (through its SQLAlchemy adapter) and the version.

`casbin_rule` holds what changes at run time: grants (`g` subtree, `g2`
node-only) and regional deny overrides (`p ... deny` at a tenant node). The
permission templates are not stored: they are the role catalogue in
`tenant_templates/roles.yaml`, the same file on every worker.

`policy_state.version` is bumped in the same transaction as every change; it is
what workers compare to decide whether their enforcer is stale, and part of
every cached decision's key.
"""

from __future__ import annotations

from typing import Any

from casbin_async_sqlalchemy_adapter import create_casbin_rule_model
from sqlalchemy import BigInteger, CheckConstraint, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.platform.models import Base

#: the adapter's model, declared on our metadata so Alembic and the tests see it
CasbinRule: Any = create_casbin_rule_model(Base, "casbin_rule")
# One row per rule: concurrent grants of the same thing cannot both land.
Index(
    "uq_casbin_rule_line",
    *(getattr(CasbinRule, c) for c in ("ptype", "v0", "v1", "v2", "v3", "v4", "v5")),
    unique=True,
    postgresql_nulls_not_distinct=True,
)


class PolicyState(Base):
    __tablename__ = "policy_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
