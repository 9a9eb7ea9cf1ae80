"""Records of every item type for one tenant, related as real ones are, all valid.

Service items name a business form and one of its routes; applications name a
service item of the tenant (its implementation code, business form and
department) and carry that business form's data; evaluations and
certificates name an application, responsibility items a power item; special
funds fill (department, year) slots within the list's caps (at most 5 per
department and year, 150 per year) and unique fields never repeat.

The first `pool` records of each type are made field by field; after that a
record is a random one of those with its varying fields made anew (every
indexed field, every name, every field of a unique rule), which keeps the
values that lists filter and sort on as varied as the code lists and
divisions allow while a million records take minutes, not hours. Every record
is checked by the tenant's validator before it is handed out.

Past the first records of a type, `clone_plan` says how PostgreSQL can make the
rest itself (`Seeder`): copies of the stored, validated records with every
varying field that nothing else depends on drawn from a pool of values made
here, and every field of a unique rule given a fresh value made here. Types
whose records count against caps or references (aggregate rules, a unique rule
over a reference) stay made here, record by record.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.generators.validation import record_validator
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.runtime.records.fields import department_field
from yiwang.runtime.seeding.errors import GeneratorStuck
from yiwang.runtime.seeding.values import Place, ValueMaker, coherent

#: the mix of `yiwang bench seed` without `--types`: what a year of a region looks like
DEFAULT_MIX: Final = {
    "application": 40,
    "evaluation": 15,
    "service_item": 12,
    "consultation": 8,
    "certificate": 7,
    "power_item": 6,
    "complaint": 5,
    "responsibility_item": 4,
    "special_fund": 3,
}
#: the order types are made in: what others refer to comes first
ORDER: Final = (
    "service_item",
    "power_item",
    "responsibility_item",
    "special_fund",
    "application",
    "certificate",
    "evaluation",
    "complaint",
    "consultation",
)
MAX_TRIES: Final = 5
FUND_PER_DEPARTMENT: Final = 5
FUND_PER_YEAR: Final = 150
FIRST_FUND_YEAR: Final = 2000
LAST_FUND_YEAR: Final = 2100


#: fields `_specific` sets together (a record's department, its service item's form and
#: code, a fund's slot): copied as they are, never drawn alone
COUPLED: Final = frozenset(
    {
        *("department", "dept_name", "dept_code", "service_item", "business_form"),
        *("business_route", "task_code", "channel", "application", "fiscal_year"),
        *("competent_department", "competent_department_name", "start_year", "end_year"),
        *("id_type", "id_number", "holder_code_type", "holder_code", "applicant_type"),
    }
)
#: values drawn per mixed field, and records tried per field before it is mixed
MIX_VALUES: Final = 5_000
MIX_PROBES: Final = 20
#: per type, the field whose value `remember_copies` wants back for each copy
RETURNED: Final = {"application": "service_item"}


@dataclass(frozen=True)
class ClonePlan:
    """How the database makes more records of a type from stored ones."""

    #: per mixed field, the values a copy draws from
    mixed: dict[str, list[Any]]
    #: the fields of unique rules: each copy gets a value of its own
    unique: tuple[str, ...]
    #: fields a copy sets even where the copied record has none (required ones)
    always: frozenset[str]


@dataclass(frozen=True)
class Made:
    type_key: str
    data: dict[str, Any]
    department: str | None = None
    form_key: str | None = None
    form: dict[str, Any] | None = None


@dataclass
class _Service:
    id: str
    task_code: str | None
    business_form: str | None
    department: str | None


@dataclass
class TenantGenerator:
    model: EffectiveModel
    place: Place
    seed: int
    pool: int = 200
    maker: ValueMaker = field(init=False)
    _pools: dict[str, list[Made]] = field(default_factory=dict, init=False)
    _services: list[_Service] = field(default_factory=list, init=False)
    _applications: list[tuple[str, str]] = field(default_factory=list, init=False)
    _rated: int = field(default=0, init=False)
    _fund_slot: int = field(default=0, init=False)
    _unique_seen: dict[tuple[str, str], set[Any]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        forms = {
            key: tuple(doc.get("routes", {}))
            for key, doc in self.model.documents.items()
            if doc.get("kind") == "form" and doc.get("routes")
        }
        self.maker = ValueMaker(self.place, random.Random(self.seed), forms=forms)

    # --- what varies from record to record ------------------------------------------

    @staticmethod
    def varying(document: Document) -> list[str]:
        keys = []
        unique = {
            k
            for r in document.get("rules", {}).values()
            if r["kind"] == "unique"
            for k in r["fields"]
        }
        for key, definition in document["fields"].items():
            if definition.get("filled_by"):
                continue
            if (
                definition.get("indexed")
                or key in unique
                or key.endswith("name")
                or definition["type"] in ("date", "datetime")
            ):
                keys.append(key)
        return keys

    # --- one record -----------------------------------------------------------------

    def _fresh(self, document: Document) -> dict[str, Any]:
        return self.maker.record(document)

    def _varied(self, document: Document, base: dict[str, Any]) -> dict[str, Any]:
        record = dict(base)
        for key in self.varying(document):
            definition = document["fields"][key]
            if key in record or definition.get("required"):
                made = self.maker.value(document, key, definition)
                if made is None:
                    record.pop(key, None)
                else:
                    record[key] = made
        return coherent(self.maker, document, record)

    def _specific(self, type_key: str, record: dict[str, Any], ref_id: str) -> Made:
        """What a record of `type_key` takes from the others (and from its place)."""
        department = None
        form_key: str | None = None
        form: dict[str, Any] | None = None
        if type_key in ("service_item", "power_item"):
            key, name = self.maker.department()
            record["department"] = key
            record["dept_name"] = f"{self.place.name}{name}"
            record["dept_code"] = self.maker.credit_code(self.place.code)
            department = key
        elif type_key == "application" and self._services:
            service = self.maker.rng.choice(self._services)
            record["service_item"] = service.id
            record["business_form"] = service.business_form
            if service.task_code:
                record["task_code"] = service.task_code
            record["channel"] = self.maker.rng.choice(("online", "online", "window", "kiosk"))
            department = service.department
            form_key = service.business_form
        elif type_key == "application":
            record["service_item"] = str(self.maker.rng.randint(1, 10**6))
            record["business_form"] = self.maker.rng.choice(sorted(self.maker.forms))
            record["channel"] = "online"
            form_key = record["business_form"]
        elif type_key == "evaluation":
            application, rated_service = self._applications[self._rated % len(self._applications)]
            channels = ("online", "hall", "phone")
            record["application"] = application
            record["service_item"] = rated_service
            record["channel"] = channels[(self._rated // len(self._applications)) % 3]
            self._rated += 1
        elif type_key == "special_fund":
            record.pop("single_function", None)
            departments = self.place.departments
            per_year = min(FUND_PER_YEAR, FUND_PER_DEPARTMENT * len(departments))
            year = FIRST_FUND_YEAR + self._fund_slot // per_year
            slot = self._fund_slot % per_year
            key, name = departments[slot // FUND_PER_DEPARTMENT]
            self._fund_slot += 1
            record.update(
                fiscal_year=year,
                competent_department=key,
                competent_department_name=f"{self.place.name}{name}",
                start_year=year,
                end_year=min(LAST_FUND_YEAR, year + self.maker.rng.randint(0, 4)),
            )
        document = self.model.documents[type_key]
        if department is None:
            owner = department_field(document)
            value = record.get(owner) if owner else None
            department = value if isinstance(value, str) else None
        if form_key is not None:
            form_doc = self.model.documents[form_key]
            form = self.maker.record(form_doc)
        return Made(type_key, record, department, form_key, form)

    def _remember(self, made: Made, record_id: str) -> None:
        if made.type_key == "service_item":
            self._services.append(
                _Service(
                    record_id,
                    made.data.get("task_code"),
                    made.data.get("business_form"),
                    made.department,
                )
            )
        elif made.type_key == "application":
            self._applications.append((record_id, str(made.data["service_item"])))
        self.maker.references.setdefault(made.type_key, []).append(record_id)

    def _unique_and_named(self, type_key: str) -> tuple[list[str], set[str]] | None:
        """The fields of the type's unique rules and those its other rules or conditions
        name; None when copies of its records could not stay valid (aggregate caps, a
        unique rule over a reference or over personal data)."""
        document = self.model.documents[type_key]
        rules = document.get("rules", {})
        fields = document["fields"]
        if any(r["kind"] == "aggregate" for r in rules.values()):
            return None
        unique = sorted({k for r in rules.values() if r["kind"] == "unique" for k in r["fields"]})
        said = [json.dumps(r) for r in rules.values() if r["kind"] != "unique"] + [
            json.dumps(d["required_when"]) for d in fields.values() if d.get("required_when")
        ]
        named = {k for k in fields if any(f'"{k}"' in t for t in said)}
        if any(fields[k]["type"] != "text" or fields[k].get("pii") or k in named for k in unique):
            return None
        return unique, named

    def copyable(self, type_key: str) -> bool:
        """Whether the database may copy this type's records (`clone_plan`)."""
        return self._unique_and_named(type_key) is not None

    def clone_plan(self, type_key: str) -> ClonePlan | None:
        """What copies of this type's records vary in (None: see `copyable`), once its
        first records are made: a field is mixed only when no rule or condition names
        it and values drawn for it keep sample records of the type valid."""
        found = self._unique_and_named(type_key)
        pool = [m.data for m in self._pools.get(type_key, [])]
        if found is None or not pool:
            return None
        unique, named = found
        document = self.model.documents[type_key]
        fields = document["fields"]
        owner = department_field(document)
        conditional = {k for k, d in fields.items() if d.get("required_when")}
        coupled = COUPLED | named | conditional | ({owner} if owner else set())
        validator = record_validator(self.model, type_key)
        mixed: dict[str, list[Any]] = {}
        for key in self.varying(document):
            definition = fields[key]
            if key in coupled or key in unique or definition.get("pii"):
                continue
            values = [self.maker.value(document, key, definition) for _ in range(MIX_VALUES)]
            values = [v for v in values if v is not None]
            probes = (
                [
                    {**self.maker.rng.choice(pool), key: self.maker.rng.choice(values)}
                    for _ in range(MIX_PROBES)
                ]
                if values
                else []
            )
            if probes and all(validator.is_valid(p) for p in probes):
                mixed[key] = values
        always = frozenset(k for k in (*mixed, *unique) if fields[k].get("required"))
        return ClonePlan(mixed, tuple(unique), always)

    def unique_values(self, type_key: str, key: str, count: int) -> list[Any]:
        """`count` fresh values of a unique field, none seen before in this run."""
        document = self.model.documents[type_key]
        seen = self._unique_seen.setdefault(
            (type_key, key), {m.data[key] for m in self._pools.get(type_key, []) if key in m.data}
        )
        made = [self.maker.value(document, key, document["fields"][key]) for _ in range(count)]
        fresh = set(made)
        if None in fresh or len(fresh) < count or fresh & seen:
            raise GeneratorStuck.repeats(self.place.code, type_key, self._label(type_key), key)
        seen |= fresh
        return made

    def remember_copies(self, type_key: str, made: list[tuple[int, Any]]) -> None:
        """Copies the database made, for the records that refer to them: (id, the
        value of the type's `RETURNED` field: an application's service item)."""
        for record_id, value in made:
            if type_key == "application":
                self._applications.append((str(record_id), str(value)))
            self.maker.references.setdefault(type_key, []).append(str(record_id))

    def _label(self, type_key: str) -> str:
        return str(self.model.documents[type_key].get("label") or type_key)

    def capacity(self, type_key: str) -> int | None:
        """How many records of `type_key` can be valid here (None: no limit)."""
        if type_key == "special_fund":
            per_year = min(FUND_PER_YEAR, FUND_PER_DEPARTMENT * len(self.place.departments))
            return per_year * (LAST_FUND_YEAR - FIRST_FUND_YEAR + 1)
        if type_key == "evaluation":
            return 3 * len(self._applications)
        return None

    def make(self, type_key: str, count: int, ids: Iterator[int]) -> Iterator[tuple[int, Made]]:
        """`count` records of `type_key` (fewer where its rules cap them), with their ids."""
        document = self.model.documents[type_key]
        validator = record_validator(self.model, type_key)
        limit = self.capacity(type_key)
        if limit is not None:
            count = min(
                count,
                max(
                    0,
                    limit - self._fund_slot if type_key == "special_fund" else limit - self._rated,
                ),
            )
        pool = self._pools.setdefault(type_key, [])
        for _ in range(count):
            record_id = next(ids)
            for attempt in range(MAX_TRIES):
                if len(pool) < self.pool or attempt:
                    record = self._fresh(document)
                else:
                    record = self._varied(document, self.maker.rng.choice(pool).data)
                made = self._specific(type_key, record, str(record_id))
                if validator.is_valid(made.data) and (
                    made.form_key is None
                    or record_validator(self.model, made.form_key).is_valid(made.form or {})
                ):
                    break
            else:
                problems = validator.errors(made.data)
                if made.form_key is not None:
                    problems += record_validator(self.model, made.form_key).errors(made.form or {})
                raise GeneratorStuck.invalid(
                    self.place.code, type_key, self._label(type_key), MAX_TRIES, problems
                )
            if len(pool) < self.pool:
                pool.append(made)
            self._remember(made, str(record_id))
            yield record_id, made
