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
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.generators.validation import record_validator
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.runtime.records.fields import department_field
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


class GeneratorStuck(RuntimeError):
    """The generator made a record its own tenant's validator refuses (a generator bug)."""


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
                raise GeneratorStuck(
                    f"{self.place.code} {type_key}: "
                    + "; ".join(f"{d.pointer} {d.code}" for d in problems[:5])
                )
            if len(pool) < self.pool:
                pool.append(made)
            self._remember(made, str(record_id))
            yield record_id, made
