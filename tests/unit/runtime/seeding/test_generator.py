"""The seeding generator: counts split as asked, every record valid, references kept."""

from __future__ import annotations

import itertools

from yiwang.metadata.generators.validation import record_validator
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.policy.identity.codes import credit_code_check_char, resident_id_check_digit
from yiwang.runtime.seeding.generator import DEFAULT_MIX, ORDER, TenantGenerator
from yiwang.runtime.seeding.service import split, type_counts
from yiwang.runtime.seeding.values import Place

PLACE = Place(
    "620000",
    "甘肃省",
    (("fgw", "发展和改革委员会"), ("scjg", "市场监督管理局"), ("rsj", "人力资源和社会保障厅")),
    ("620000", "620100", "620102"),
)


def test_split_and_type_counts_add_up_and_follow_the_mix() -> None:
    assert split(10, 3) == [4, 3, 3]
    counts = type_counts(1000)
    assert sum(counts.values()) == 1000
    assert list(counts) == [k for k in ORDER if k in counts]
    assert counts["application"] == 1000 * DEFAULT_MIX["application"] // sum(DEFAULT_MIX.values())


def test_every_generated_record_is_valid_and_refers_within_the_tenant(
    province: EffectiveModel,
) -> None:
    generator = TenantGenerator(province, PLACE, seed=3, pool=20)
    ids = itertools.count(1)
    made: dict[str, list[tuple[int, dict[str, object]]]] = {}
    for type_key in ("service_item", "application", "evaluation", "special_fund"):
        made[type_key] = [(i, m.data) for i, m in generator.make(type_key, 60, ids)]
        validator = record_validator(province, type_key)
        assert len(made[type_key]) == 60
        assert all(validator.is_valid(data) for _, data in made[type_key])
    services = {str(i) for i, _ in made["service_item"]}
    applications = {str(i) for i, _ in made["application"]}
    assert {d["service_item"] for _, d in made["application"]} <= services
    assert {d["application"] for _, d in made["evaluation"]} <= applications
    departments = {key for key, _ in PLACE.departments}
    assert {d["competent_department"] for _, d in made["special_fund"]} <= departments
    # varied, not one record repeated
    assert len({d["applicant_name"] for _, d in made["application"]}) > 10


def test_identity_numbers_carry_their_check_characters(province: EffectiveModel) -> None:
    generator = TenantGenerator(province, PLACE, seed=9)
    for _ in range(50):
        number = generator.maker.resident_id()
        assert number[-1] == resident_id_check_digit(number[:17])
        code = generator.maker.credit_code()
        assert code[-1] == credit_code_check_char(code[:17])
