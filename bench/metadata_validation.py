"""Validations per second of a 40-field application, against a hand-written msgspec Struct.

The payload is a complete 食品经营许可 business form (40 fields: text with
patterns and lengths, codes, multi-codes, a division, decimals, integers,
booleans, dates, attachments) as a county (城关区) sees it: the base schema,
兰州市's and 城关区's parts, closed by `unevaluatedProperties: false`. Four
validators judge the same dict in the same run, each in a tight loop on one
core:

- the platform's hot path, `RecordValidator.is_valid`: jsonschema-rs on the
  schema's flattened draft-07 twin (same verdicts, proven by the differential
  test), plus the document's comparison rule;
- jsonschema-rs on the composed 2020-12 schema itself;
- python-jsonschema on the same schema (the authoring/error path);
- `msgspec.convert` into a hand-written Struct doing the same work as the
  schema and the document's rules: the same patterns and lengths, bounds,
  code values, unique multi-codes, ISO dates that must also match the
  schema's year pattern, the four `required_when` conditions, the
  `commitment` condition and the `health_certified ≤ employees` comparison
  (the last three in `__post_init__`, as a developer would write them):
  what a developer would write by hand for this one form.

    uv run python bench/metadata_validation.py [--seconds S] [--json]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from yiwang.metadata.generators.record_schema import record_schema
from yiwang.metadata.generators.validation import (
    authoring_validator,
    fast_validator,
    record_validator,
)
from yiwang.metadata.resolution.resolve import base_layer, overlay_chain, resolve
from yiwang.metadata.versions.bundled import load_base_model, load_overlays

TEMPLATES = Path(__file__).resolve().parents[1] / "tenant_templates"
COUNTY = "620102"
FORM = "food_business_license"

CREDIT = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
ID_CARD = "^[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9X]$"
PHONE = "^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|[0-9]{3,8}(-[0-9]{1,6})?)$"
URI = "^https?://[^\\s]+$"
DATE = "^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"


Text50 = Annotated[str, msgspec.Meta(max_length=50)]
Text100 = Annotated[str, msgspec.Meta(max_length=100)]
Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Text300 = Annotated[str, msgspec.Meta(max_length=300)]
Text1000 = Annotated[str, msgspec.Meta(max_length=1000)]
Text2000 = Annotated[str, msgspec.Meta(max_length=2000)]
CreditCode = Annotated[str, msgspec.Meta(pattern=CREDIT)]
IdCard = Annotated[str, msgspec.Meta(pattern=ID_CARD)]
Phone = Annotated[str, msgspec.Meta(pattern=PHONE)]
SixDigits = Annotated[str, msgspec.Meta(pattern="^[0-9]{6}$")]
#: the schema's `format: date` plus its pattern; `__post_init__` checks the calendar
IsoDate = Annotated[str, msgspec.Meta(pattern=DATE)]


class Attachment(msgspec.Struct, forbid_unknown_fields=True):
    key: Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    size: Annotated[int, msgspec.Meta(ge=0)] | None = None
    content_type: Literal["application/pdf", "image/jpeg", "image/png"] | None = None
    sha256: Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")] | None = None


MainBusiness = Literal["seller", "catering", "canteen"]
PROCESSED_FOOD = frozenset({"hot_food", "cold_food", "raw_food"})
BusinessItem = Literal[
    "prepackaged", "bulk", "special_food", "hot_food", "cold_food", "raw_food", "pastry", "drinks"
]


class FoodLicense(msgspec.Struct, forbid_unknown_fields=True):
    """The same form, by hand: what the generated schema replaces."""

    operator_name: Text200
    credit_code: CreditCode
    legal_representative: Text50
    legal_rep_id_number: IdCard
    legal_rep_phone: Phone
    residence: Text300
    premises_address: Text300
    premises_division: SixDigits
    premises_area: Annotated[float, msgspec.Meta(ge=1, le=1000000)]
    premises_owned: bool
    main_business: Annotated[list[MainBusiness], msgspec.Meta(min_length=1)]
    business_items: Annotated[list[BusinessItem], msgspec.Meta(min_length=1)]
    network_operation: bool
    safety_manager: Text50
    safety_manager_id_number: IdCard
    safety_manager_phone: Phone
    safety_manager_trained: bool
    employees: Annotated[int, msgspec.Meta(ge=1, le=100000)]
    health_certified: Annotated[int, msgspec.Meta(ge=0, le=100000)]
    equipment: Text2000
    water_source: Literal["municipal", "well", "secondary"]
    safety_rules: Annotated[list[Attachment], msgspec.Meta(min_length=1, max_length=10)]
    layout_plan: Attachment
    commitment: bool
    applicant_sign_date: IsoDate
    postal_code: SixDigits | None = None
    lease_end_date: IsoDate | None = None
    canteen_type: Literal["school", "hospital", "elderly", "company", "construction"] | None = None
    website: Annotated[str, msgspec.Meta(pattern=URI, max_length=300)] | None = None
    central_kitchen: bool | None = None
    group_catering: bool | None = None
    warehouse_address: Text300 | None = None
    warehouse_area: Annotated[float, msgspec.Meta(ge=0, le=1000000)] | None = None
    cold_storage: bool | None = None
    waste_disposal: Text200 | None = None
    process_flow: Attachment | None = None
    opening_date: IsoDate | None = None
    business_hours: Text100 | None = None
    remarks: Text1000 | None = None
    previous_license: Annotated[str, msgspec.Meta(pattern="^J[CY][0-9]{14}$")] | None = None

    def __post_init__(self) -> None:
        for day in (self.applicant_sign_date, self.lease_end_date, self.opening_date):
            if day is not None:
                dt.date.fromisoformat(day)  # a real calendar day (ValueError otherwise)
        if len(set(self.main_business)) != len(self.main_business):
            raise ValueError("main_business: duplicate values")
        if len(set(self.business_items)) != len(self.business_items):
            raise ValueError("business_items: duplicate values")
        if self.premises_owned is False and self.lease_end_date is None:
            raise ValueError("lease_end_date is required")
        if "canteen" in self.main_business and self.canteen_type is None:
            raise ValueError("canteen_type is required")
        if self.network_operation is True and self.website is None:
            raise ValueError("website is required")
        if PROCESSED_FOOD.intersection(self.business_items) and self.process_flow is None:
            raise ValueError("process_flow is required")
        if self.commitment is not True:
            raise ValueError("commitment must be true")
        if not self.health_certified <= self.employees:
            raise ValueError("health_certified must not exceed employees")


def _attachment(name: str) -> dict[str, Any]:
    return {
        "key": f"objects/620102/2026/{name}.pdf",
        "name": f"{name}.pdf",
        "size": 482133,
        "content_type": "application/pdf",
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    }


PAYLOAD: dict[str, Any] = {
    "operator_name": "兰州金城牛肉面餐饮有限公司",
    "credit_code": "91620102MA74XY1K64",
    "legal_representative": "马国强",
    "legal_rep_id_number": "620102198503121234",
    "legal_rep_phone": "13909311234",
    "residence": "甘肃省兰州市城关区张掖路街道武都路 123 号",
    "postal_code": "730030",
    "premises_address": "甘肃省兰州市城关区张掖路街道武都路 123 号一层",
    "premises_division": "620102",
    "premises_area": 186.5,
    "premises_owned": False,
    "lease_end_date": "2029-12-31",
    "main_business": ["catering", "canteen"],
    "canteen_type": "company",
    "business_items": ["hot_food", "cold_food", "drinks"],
    "network_operation": True,
    "website": "https://shop.example.com/lzjc",
    "central_kitchen": False,
    "group_catering": False,
    "safety_manager": "李红梅",
    "safety_manager_id_number": "62010219900101234X",
    "safety_manager_phone": "0931-8123456",
    "safety_manager_trained": True,
    "employees": 18,
    "health_certified": 18,
    "warehouse_address": "甘肃省兰州市城关区雁滩路 88 号",
    "warehouse_area": 40.0,
    "cold_storage": True,
    "equipment": "双眼灶 2 台、蒸柜 1 台、冷藏冷冻柜 4 台、消毒柜 2 台、油烟净化器 1 套",
    "water_source": "municipal",
    "waste_disposal": "兰州市城关区餐厨垃圾收运处置中心",
    "safety_rules": [_attachment("safety-rules"), _attachment("health-management")],
    "layout_plan": _attachment("layout"),
    "process_flow": _attachment("process"),
    "opening_date": "2026-03-01",
    "business_hours": "06:30-22:00",
    "commitment": True,
    "applicant_sign_date": "2026-01-15",
    "remarks": "原址扩建后重新申请",
    "previous_license": "JY16201020012345",
}


def _rate(check: Callable[[Any], Any], payload: Any, seconds: float) -> float:
    """Calls per second, median of five slices of `seconds / 5`."""
    rates = []
    for _ in range(5):
        count, start, until = 0, time.perf_counter(), time.perf_counter() + seconds / 5
        while time.perf_counter() < until:
            for _ in range(100):
                check(payload)
            count += 100
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def assert_same_verdicts(hot: Any) -> None:
    """The Struct refuses what the schema and rules refuse: one broken rule at a time."""
    broken = {
        "pattern": {"credit_code": "91620102MA74XY1K6I"},
        "length": {"operator_name": "字" * 201},
        "bound": {"employees": 0},
        "code": {"water_source": "river"},
        "unique": {"main_business": ["catering", "catering"]},
        "calendar": {"opening_date": "2026-02-30"},
        "date pattern": {"opening_date": "0999-01-01"},
        "required_when": {"lease_end_date": None},
        "condition": {"commitment": False},
        "comparison": {"health_certified": 19},
        "attachment": {"layout_plan": {"key": "", "name": "x.pdf"}},
        "unknown field": {"x_unknown": 1},
    }
    for name, change in broken.items():
        payload = {k: v for k, v in {**PAYLOAD, **change}.items() if v is not None}
        assert not hot.is_valid(payload), name
        try:
            msgspec.convert(payload, FoodLicense)
        except msgspec.ValidationError:
            continue
        raise AssertionError(f"the Struct accepts a payload with a broken {name} rule")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per validator")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with (TEMPLATES / "gansu-divisions.csv").open(encoding="utf-8") as handle:
        parents = {r["code"]: r["parent_code"] or None for r in csv.DictReader(handle)}
    base = base_layer("620000", load_base_model(TEMPLATES))
    model = resolve(COUNTY, base, overlay_chain(COUNTY, parents, load_overlays(TEMPLATES)))
    fields = model.document(FORM)["fields"]
    assert set(PAYLOAD) == set(fields) and len(PAYLOAD) == 40
    schema = record_schema(model, FORM)
    hot = record_validator(model, FORM)
    rs = fast_validator(schema)
    python = authoring_validator(schema)
    assert hot.errors(PAYLOAD) == [], hot.errors(PAYLOAD)
    assert hot.is_valid(PAYLOAD) and rs.is_valid(PAYLOAD) and python.is_valid(PAYLOAD)
    msgspec.convert(PAYLOAD, FoodLicense)
    assert_same_verdicts(hot)

    def struct(payload: Any) -> None:
        msgspec.convert(payload, FoodLicense)

    results = {
        "platform hot path (jsonschema-rs on the draft-07 twin + rules)": _rate(
            hot.is_valid, PAYLOAD, args.seconds
        ),
        "jsonschema-rs, composed 2020-12 schema": _rate(rs.is_valid, PAYLOAD, args.seconds),
        "python-jsonschema (authoring path)": _rate(
            python.is_valid, PAYLOAD, max(1.0, args.seconds / 5)
        ),
        "hand-written msgspec Struct": _rate(struct, PAYLOAD, args.seconds),
    }
    baseline = results["hand-written msgspec Struct"]
    if args.json:
        print(json.dumps({"fields": len(PAYLOAD), "per_second": results}, ensure_ascii=False))
        return
    print(f"{len(PAYLOAD)}-field {FORM} for {COUNTY}; schema layers: {list(schema['$defs'])}")
    print("| validator | validations/s (one core) | ratio to msgspec |")
    print("| --- | --- | --- |")
    for name, rate in results.items():
        print(f"| {name} | {rate:,.0f} | {rate / baseline:.3f} |")


if __name__ == "__main__":
    main()
