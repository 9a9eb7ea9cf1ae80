"""Realistic field values for generated records, from the metadata and the tenant tree.

Pure and deterministic for a seed: a `Place` says where a record lives (its
tenant's code and name, departments, divisions below it); `ValueMaker` fills a
document's fields by type, format and pattern with values drawn from the real
code lists and divisions, valid check characters (GB 11643 resident ID
numbers, GB 32100 credit codes, GB/T 36904 licence identifiers) and Chinese
names, addresses and phrases. `coherent` then applies what JSON Schema says
only as conditions: fields required when a condition holds, comparison
rules, what `if`/`then` rules bound or require, and the identity type a number
must match.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.generators.record_rules import OPERATORS, condition_holds
from yiwang.platform.china_time import CHINA_TIME
from yiwang.policy.identity.codes import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    resident_id_check_digit,
)
from yiwang.runtime.certificates.identifier import build_identifier

SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN: Final = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞宇浩然欣怡子"
    "涵梓萱一诺佳琪思远志强海燕春梅晓东丹慧颖雪梅晨阳振华"
)
STREETS: Final = (
    "张掖路",
    "庆阳路",
    "中山路",
    "东岗西路",
    "天水中路",
    "南滨河东路",
    "北滨河中路",
    "雁滩路",
    "民主西路",
    "酒泉路",
    "武都路",
    "金昌南路",
    "平凉路",
    "嘉峪关西路",
    "西津东路",
    "建兰路",
)
TRADES: Final = (
    "商贸",
    "餐饮",
    "建材",
    "农业科技",
    "文化传媒",
    "信息技术",
    "物流",
    "医药",
    "食品",
    "服装",
    "家政服务",
    "汽车维修",
    "旅游",
    "教育咨询",
    "环保科技",
    "新能源",
)
PHRASES: Final = (
    "依法依规办理，材料齐全、符合法定形式的当场受理",
    "按照“放管服”改革要求，压缩办理时限、精简申请材料",
    "实行告知承诺制，申请人书面承诺符合条件的予以办理",
    "加强事中事后监管，开展“双随机、一公开”检查",
    "推进“一网通办”，支持全程网上办理和电子证照共享",
    "建立健全内部监督制度，明确岗位职责和办理流程",
    "按照规定公开办事指南，接受社会监督",
    "对不符合条件的，一次性告知需要补正的全部内容",
)
ORG_SUFFIX: Final = ("有限公司", "有限责任公司", "个体工商户", "合作社", "商行", "服务部")
#: GB/T 4754 style registration: a resident ID's birth dates stay in this range
BIRTH_FROM: Final = date(1950, 1, 1)
BIRTH_DAYS: Final = 365 * 55
LICENCE_IDENTIFIER_PATTERN: Final = (
    "^1\\.2\\.156\\.3005\\.2\\.[0-9A-HJ-NPQRTUWXY]{18}[0-9]{3}\\.[0-9A-HJ-NPQRTUWXY]{18}"
    "\\.[0-9A-Z]{1,32}\\.[0-9]{3}\\.[0-9A-Z]$"
)


@dataclass(frozen=True)
class Place:
    """Where generated records live: a tenant, its departments and divisions."""

    code: str
    name: str
    #: (key, name) of the tenant's departments
    departments: tuple[tuple[str, str], ...]
    #: the tenant's own division code and those below it
    divisions: tuple[str, ...]


@dataclass
class ValueMaker:
    """Field values of one tenant, drawn from `rng`; `references` names ids by item type."""

    place: Place
    rng: random.Random
    references: dict[str, list[str]] = field(default_factory=dict)
    #: business forms by key, with the keys of their routes (for service items)
    forms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    serial: int = 0

    # --- building blocks -----------------------------------------------------------

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def person_name(self) -> str:
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    def org_name(self) -> str:
        region = self.place.name.removesuffix("市").removesuffix("区").removesuffix("县")
        core = "".join(self.rng.choice(GIVEN) for _ in range(2))
        return f"{region}{core}{self.rng.choice(TRADES)}{self.rng.choice(ORG_SUFFIX)}"

    def address(self) -> str:
        return f"{self.place.name}{self.rng.choice(STREETS)}{self.rng.randint(1, 999)}号"

    def phrase(self, limit: int) -> str:
        text = "；".join(self.rng.sample(PHRASES, self.rng.randint(1, 3))) + "。"
        return text[:limit] if limit else text

    def mobile(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randint(0, 999_999_999):09d}"

    def division(self) -> str:
        return self.rng.choice(self.place.divisions)

    def department(self) -> tuple[str, str]:
        return self.rng.choice(self.place.departments)

    def resident_id(self) -> str:
        born = BIRTH_FROM + timedelta(days=self.rng.randrange(BIRTH_DAYS))
        first = f"{self.division()}{born:%Y%m%d}{self.rng.randint(0, 999):03d}"
        return first + resident_id_check_digit(first)

    def credit_code(self, division: str | None = None) -> str:
        body = "".join(self.rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
        first = (
            f"{self.rng.choice(('11', '12', '91', '92', '93'))}{division or self.division()}{body}"
        )
        return first + credit_code_check_char(first)

    def digits(self, count: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(count))

    def catalog_code(self) -> str:
        return f"{self.rng.randint(1, 9):06d}{self.next_serial():06d}"[-12:]

    def day(self, start: int = 2020, end: int = 2026) -> str:
        first = date(start, 1, 1)
        return (
            first + timedelta(days=self.rng.randrange((date(end, 12, 31) - first).days))
        ).isoformat()

    def moment(self) -> str:
        at = datetime(2024, 1, 1, 8, tzinfo=CHINA_TIME) + timedelta(
            seconds=self.rng.randrange(3 * 365 * 86400)
        )
        return at.isoformat(timespec="seconds")

    # --- patterns the base model uses ------------------------------------------------

    def by_pattern(self, pattern: str) -> str | None:
        makers: Mapping[str, Callable[[], str]] = {
            "^[0-9A-HJ-NPQRTUWXY]{18}[1-6][0-9]{12}$": lambda: (
                self.credit_code(self.place.code) + self.rng.choice("1234") + self.catalog_code()
            ),
            "^[0-9A-HJ-NPQRTUWXY]{18}[1-6][0-9]{14}$": lambda: (
                self.credit_code(self.place.code) + "4" + self.catalog_code() + self.digits(2)
            ),
            "^[0-9]{12}$": self.catalog_code,
            "^[0-9]+(\\.[0-9]+)*$": lambda: f"{self.rng.randint(1, 3)}.{self.rng.randint(0, 9)}",
            "^[0-9A-HJ-NPQRTUWXY]{18}[0-9]{3}$": lambda: (
                self.credit_code(self.place.code) + f"{self.rng.randint(1, 999):03d}"
            ),
            "^J[CY][0-9]{14}$": lambda: "JY" + self.digits(14),
            "^[0-9]{12,30}$": lambda: self.digits(19),
            LICENCE_IDENTIFIER_PATTERN: self.licence_identifier,
        }
        maker = makers.get(pattern)
        return maker() if maker else None

    def licence_identifier(self) -> str:
        made = build_identifier(
            self.credit_code(self.place.code) + f"{self.rng.randint(1, 999):03d}",
            self.credit_code(self.place.code),
            f"{self.next_serial():08d}",
        )
        return str(made)

    # --- values by field ------------------------------------------------------------

    def text(self, key: str, definition: Mapping[str, Any]) -> str | None:
        fmt = definition.get("format")
        if fmt == "phone":
            return self.mobile()
        if fmt == "email":
            return f"user{self.next_serial()}@example.cn"
        if fmt == "id_card":
            return self.resident_id()
        if fmt == "credit_code":
            return self.credit_code()
        if fmt == "postal_code":
            return f"7{self.rng.randint(30000, 49999)}"
        if fmt == "uri":
            return f"https://zwfw.gansu.gov.cn/item/{self.next_serial()}"
        if key == "business_form" and self.forms:
            return self.rng.choice(sorted(self.forms))
        if key == "business_route" and self.forms:
            return self.rng.choice(self.forms[self.rng.choice(sorted(self.forms))])
        if definition.get("pattern"):
            return self.by_pattern(definition["pattern"])
        limit = int(definition.get("max_length", 200))
        if key.endswith(("applicant_name", "holder_name", "operator_name", "unit_name")):
            value = self.org_name() if self.rng.random() < 0.3 else self.person_name()
        elif key.endswith("name") and ("dept" in key or "department" in key or "issuer" in key):
            value = self.department()[1]
        elif key.endswith(("name", "representative", "contact", "manager", "by")):
            value = self.person_name()
        elif "address" in key or key.endswith(("addr", "residence", "place")):
            value = self.address()
        elif "phone" in key or "way" in key:
            value = f"12345；0931-{self.rng.randint(8_000_000, 8_999_999)}"
        else:
            value = self.phrase(limit)
        value = value[:limit]
        minimum = int(definition.get("min_length", 0))
        return value + "。" * max(0, minimum - len(value))

    def number(self, definition: Mapping[str, Any], low: float, high: float) -> float:
        """A value within the field's bounds, in a realistic band of `high - low` above
        its lower bound (a year between 2000 and 2060, not 2100)."""
        lower = float(definition["min"]) if "min" in definition else low
        upper = float(definition["max"]) if "max" in definition else high
        upper = max(lower, min(upper, lower + (high - low)))
        return self.rng.uniform(lower, upper)

    def codes(self, document: Document, definition: Mapping[str, Any]) -> list[str]:
        values = document.get("code_lists", {}).get(definition["code_list"], {}).get("values", [])
        return [v["code"] for v in values if not v.get("deprecated")]

    def attachment(self, definition: Mapping[str, Any]) -> dict[str, Any]:
        accept = definition.get("accept") or ["application/pdf"]
        kind = accept[0]
        extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
            kind, "bin"
        )
        size = min(int(definition.get("max_size", 5_000_000)), self.rng.randint(20_000, 2_000_000))
        return {
            "key": f"{self.place.code}/{self.rng.getrandbits(64):016x}",
            "name": f"材料{self.next_serial()}.{extension}",
            "size": size,
            "content_type": kind,
            "sha256": f"{self.rng.getrandbits(256):064x}",
        }

    def value(self, document: Document, key: str, definition: Mapping[str, Any]) -> Any:
        kind = definition["type"]
        if "default" in definition and self.rng.random() < 0.5:
            return definition["default"]
        if kind in ("text",):
            return self.text(key, definition)
        if kind == "long_text":
            return self.phrase(int(definition.get("max_length", 500)))
        if kind == "integer":
            return round(self.number(definition, 0, 60))
        if kind == "decimal":
            return round(self.number(definition, 1, 5000), int(definition.get("scale", 2)))
        if kind == "money":
            return int(self.number(definition, 10_000, 5_000_000_000))
        if kind == "date":
            return self.day()
        if kind == "datetime":
            return self.moment()
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "code":
            choices = self.codes(document, definition)
            return self.rng.choice(choices) if choices else None
        if kind == "multi_code":
            choices = self.codes(document, definition)
            low = max(1, int(definition.get("min_items", 1)))
            high = min(len(choices), max(low, int(definition.get("max_items", 3))), 3)
            return self.rng.sample(choices, self.rng.randint(low, high)) if choices else None
        if kind == "division":
            return self.division()
        if kind == "department":
            return self.department()[0]
        if kind == "person":
            return f"staff{self.rng.randint(1, 500)}"
        if kind == "reference":
            pool = self.references.get(definition["ref_type"])
            return self.rng.choice(pool) if pool else str(self.rng.randint(1, 10**9))
        if kind == "attachment":
            return self.attachment(definition)
        if kind == "attachments":
            low = max(1, int(definition.get("min_items", 1)))
            return [self.attachment(definition) for _ in range(low)]
        if kind == "table":
            low = int(definition.get("min_items", 0))
            count = max(low, 1) if self.rng.random() < 0.8 else low
            count = min(count + self.rng.randint(0, 1), int(definition.get("max_items", 5)))
            return [self.row(document, definition) for _ in range(count)]
        return None

    def row(self, document: Document, definition: Mapping[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for column, spec in definition["columns"].items():
            if spec.get("required") or self.rng.random() < 0.5:
                made = self.value(document, column, spec)
                if made is not None:
                    row[column] = made
        return row

    def record(
        self,
        document: Document,
        *,
        optional: float = 0.6,
        skip: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Values for every required field and, with probability `optional`, the others."""
        out: dict[str, Any] = {}
        for key, definition in document["fields"].items():
            if key in skip or definition.get("filled_by"):
                continue
            if definition.get("required") or self.rng.random() < optional:
                made = self.value(document, key, definition)
                if made is not None:
                    out[key] = made
        return coherent(self, document, out, skip=skip)


def _identity(maker: ValueMaker, kind: str) -> str:
    if kind == "credit_code":
        return maker.credit_code()
    if kind == "id_card":
        return maker.resident_id()
    return "E" + maker.digits(8)


def _fill(maker: ValueMaker, document: Document, record: dict[str, Any], key: str) -> None:
    """A value for `key`, which a condition makes required, unless it has one."""
    value = record.get(key)
    if value is not None and value != []:
        return
    definition = document["fields"][key]
    made = maker.value(document, key, definition)
    if isinstance(made, list) and not made and definition["type"] == "table":
        made = [maker.row(document, definition)]
    if made is not None:
        record[key] = made


def coherent(
    maker: ValueMaker, document: Document, record: dict[str, Any], *, skip: Sequence[str] = ()
) -> dict[str, Any]:
    """What the schema states as conditions, made true of `record`."""
    fields = document["fields"]
    for type_key, number_key in (("id_type", "id_number"), ("holder_code_type", "holder_code")):
        if type_key in record and number_key in fields:
            record[number_key] = _identity(maker, str(record[type_key]))
    if "applicant_type" in record and "id_type" in record:
        person = record["applicant_type"] == "1"
        record["id_type"] = "id_card" if person else "credit_code"
        record["id_number"] = _identity(maker, record["id_type"])
    conditions = [r for r in document.get("rules", {}).values() if r["kind"] == "condition"]
    for _ in range(3):  # a field made required may make another required
        for key, definition in fields.items():
            condition = definition.get("required_when")
            if key in skip or definition.get("filled_by") or condition is None:
                continue
            if condition_holds(condition, record):
                _fill(maker, document, record, key)
        # a condition rule may require fields too (a cancelled certificate's reason)
        for rule in conditions:
            required = rule["then"].get("required", ())
            if required and condition_holds(rule["if"], record):
                for key in required:
                    definition = fields.get(key)
                    if definition and key not in skip and not definition.get("filled_by"):
                        _fill(maker, document, record, key)
    form = record.get("business_form")
    if isinstance(form, str) and form in maker.forms and "business_route" in fields:
        record["business_route"] = maker.rng.choice(maker.forms[form])
    for rule in document.get("rules", {}).values():
        if rule["kind"] == "compare":
            left, right = record.get(rule["left"]), record.get(rule["right"])
            holds = OPERATORS[rule["op"]]
            if (
                isinstance(left, int | float)
                and isinstance(right, int | float)
                and not holds(left, right)
            ):
                record[rule["left"]] = {"lt": right - 1, "gt": right + 1}.get(rule["op"], right)
            elif (
                isinstance(left, str)
                and isinstance(right, str)
                and len(right) == 10
                and not holds(left, right)
            ):  # ISO dates
                shift = {"lt": -1, "gt": 1}.get(rule["op"], 0)
                moved = date.fromisoformat(right) + timedelta(days=shift)
                record[rule["left"]] = moved.isoformat()
        elif rule["kind"] == "condition" and condition_holds(rule["if"], record):
            for key, bound in rule["then"].get("properties", {}).items():
                value = record.get(key)
                if isinstance(value, int | float):
                    if "maximum" in bound and value > bound["maximum"]:
                        record[key] = bound["maximum"]
                    if "minimum" in bound and value < bound["minimum"]:
                        record[key] = bound["minimum"]
                if "const" in bound:
                    record[key] = bound["const"]
    return record
