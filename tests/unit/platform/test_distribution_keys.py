"""Distribution-ready keys: every tenant-owned table can be sharded by tenant."""

from __future__ import annotations

from yiwang.migrations.registry import import_all_models
from yiwang.platform.models import Base, tenant_owned_tables

import_all_models()

#: tables keyed by something else on purpose (see deploy/README.md): the registry,
#: province-wide reference data, the single audit chain, one account for every
#: subsite and its activation codes, Casbin's rules (whose domains name the tenants inside
#: each rule), the version counters that workers compare across all tenants, and the
#: list indexes (of the one `records` table) the published models want
NOT_TENANT_OWNED = {
    "tenants",
    "calendar_days",
    "audit_log",
    "accounts",
    "account_activations",
    "legal_agents",
    "casbin_rule",
    "policy_state",
    "metadata_state",
    "registry_state",
    "record_indexes",
}


def test_tenant_tables_lead_with_tenant_id() -> None:
    owned = tenant_owned_tables(Base.metadata)
    assert owned, "no tenant-owned tables found"
    for table in owned:
        assert "tenant_id" in table.primary_key.columns, table.name


def test_foreign_keys_between_tenant_tables_carry_tenant_id() -> None:
    owned = {t.name for t in tenant_owned_tables(Base.metadata)}
    problems = []
    for table in tenant_owned_tables(Base.metadata):
        for fk in table.foreign_key_constraints:
            target = fk.referred_table.name
            if target in owned and "tenant_id" not in [c.name for c in fk.columns]:
                problems.append(f"{table.name} -> {target}")
    assert problems == []


def test_every_table_is_classified() -> None:
    owned = {t.name for t in tenant_owned_tables(Base.metadata)}
    unclassified = {
        t.name
        for t in Base.metadata.sorted_tables
        if t.name not in owned and t.name not in NOT_TENANT_OWNED
    }
    # A new table is either tenant-owned or named above with the reason in deploy/README.md.
    assert unclassified == set()
