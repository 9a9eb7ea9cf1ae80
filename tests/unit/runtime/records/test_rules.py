"""Which rule groups a record enters, and the lock that serialises each."""

from __future__ import annotations

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.runtime.records import rules


def fund(**extra: object) -> dict[str, object]:
    return {"competent_department": "jyt", "fiscal_year": 2026, **extra}


def test_a_fund_enters_the_yearly_cap_and_its_departments_group(province: EffectiveModel) -> None:
    document = province.document("special_fund")
    found = {g.rule: (g.matches, g.limit) for g in rules.groups(document, fund())}
    assert found == {
        "yearly_cap": ((("fiscal_year", 2026),), 150),
        "per_department": ((("competent_department", "jyt"), ("fiscal_year", 2026)), 5),
    }
    single = {g.rule for g in rules.groups(document, fund(single_function=True))}
    assert single == {"yearly_cap", "single_function_department"}


def test_an_update_within_its_groups_enters_none(province: EffectiveModel) -> None:
    document = province.document("special_fund")
    before = fund(fund_name="甲")
    assert rules.entered(document, before, fund(fund_name="乙")) == []
    moved = rules.entered(document, before, fund(fiscal_year=2027))
    assert {g.rule for g in moved} == {"yearly_cap", "per_department"}


def test_locks_differ_by_tenant_rule_and_group(province: EffectiveModel) -> None:
    document = province.document("special_fund")
    group = next(g for g in rules.groups(document, fund()) if g.rule == "per_department")
    keys = {group.lock_key(1, "special_fund"), group.lock_key(2, "special_fund")}
    other = next(
        g
        for g in rules.groups(document, fund(competent_department="fgw"))
        if g.rule == "per_department"
    )
    keys.add(other.lock_key(1, "special_fund"))
    assert len(keys) == 3


def test_unique_rules_skip_incomplete_records(province: EffectiveModel) -> None:
    document = province.document("evaluation")
    assert [g.rule for g in rules.groups(document, {"application": "9", "channel": "online"})] == [
        "one_rating_per_case"
    ]
    assert list(rules.groups(document, {"channel": "online"})) == []
