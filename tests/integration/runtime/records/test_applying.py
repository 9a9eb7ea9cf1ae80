"""Applications whose service item is in the process's cache: checked first, then claim,
record and history in one statement. Each way out of that statement behaves as the
claimed way does: a repeat gets its first answer, another body is refused, a refusal
burns no key, a service item changed since it was cached is read again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
import pytest

from tests.integration.runtime.conftest import Runtime
from tests.integration.runtime.test_records import APPLICANT, BUSINESS
from yiwang.metadata.documents.errors import FormInvalid
from yiwang.runtime.records.errors import IdempotencyMismatch, ServiceClosed
from yiwang.runtime.records.service import Created, RecordService, ServiceItems

CHENGGUAN = "620102"


class Applicant:
    """One citizen's applications through a service-item cache of their own."""

    def __init__(self, runtime: Runtime, service_item: int, actor: str) -> None:
        self.runtime = runtime
        self.service_item = service_item
        self.actor = actor
        self.items = ServiceItems()

    @asynccontextmanager
    async def records(self) -> AsyncIterator[RecordService]:
        async with self.runtime.records(CHENGGUAN, actor=self.actor) as base:
            yield RecordService(
                base.uow, base.tree, base.models, base.seal, base.effective_ids, self.items
            )

    async def apply(self, key: str, data: dict[str, Any], form: dict[str, Any]) -> Created:
        async with self.records() as records:
            return await records.apply(
                self.service_item,
                data,
                form=form,
                channel="online",
                idempotency_key=key,
                online=True,
            )


@pytest.fixture
def applicant(runtime: Runtime, samples: dict[str, Any], tag: str) -> Applicant:
    return Applicant(runtime, samples["individual_business"], f"citizen.{tag}")


def _stored(admin_sql: psycopg.Connection, record_id: int) -> tuple[Any, ...]:
    row = admin_sql.execute(
        "SELECT r.number, r.data ->> 'task_code', r.form_data ->> 'business_scope',"
        " (SELECT count(*) FROM record_history h WHERE h.record_id = r.id)"
        " FROM records r WHERE r.id = %s",
        (record_id,),
    ).fetchone()
    assert row is not None
    return tuple(row)


def _applications_of(admin_sql: psycopg.Connection, actor: str) -> int:
    row = admin_sql.execute(
        "SELECT count(*) FROM records WHERE type_key = 'application' AND created_by = %s",
        (actor,),
    ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def edited(admin_sql: psycopg.Connection, samples: dict[str, Any]) -> Iterator[Any]:
    """Edits the sample service item's data behind the cache's back; restores it after."""
    item = samples["individual_business"]
    row = admin_sql.execute("SELECT data FROM records WHERE id = %s", (item,)).fetchone()
    assert row is not None

    def edit(key: str, value: str) -> None:
        admin_sql.execute(
            "UPDATE records SET data = jsonb_set(data, %s, to_jsonb(%s::text)),"
            " version = version + 1 WHERE id = %s",
            ([key], value, item),
        )

    yield edit
    admin_sql.execute(
        "UPDATE records SET data = %s, version = version + 1 WHERE id = %s",
        (psycopg.types.json.Jsonb(row[0]), item),
    )


async def test_a_repeat_through_the_cache_gets_its_first_answer_and_another_body_is_refused(
    applicant: Applicant, admin_sql: psycopg.Connection, tag: str
) -> None:
    await applicant.apply(f"warm-{tag}", APPLICANT, BUSINESS)  # the item is cached now
    first = await applicant.apply(f"k-{tag}", APPLICANT, BUSINESS)
    again = await applicant.apply(f"k-{tag}", APPLICANT, BUSINESS)
    assert (first.replayed, again.replayed) == (False, True)
    assert again.body == first.body
    with pytest.raises(IdempotencyMismatch):
        await applicant.apply(f"k-{tag}", APPLICANT, {**BUSINESS, "employees": 3})
    number, task_code, scope, history = _stored(admin_sql, first.id)
    assert number == f"{CHENGGUAN}-{first.id}" == first.body["number"]
    assert scope == BUSINESS["business_scope"] and history == 1
    assert task_code == first.body["data"]["task_code"]
    assert _applications_of(admin_sql, applicant.actor) == 2


async def test_a_refusal_through_the_cache_burns_no_key(
    applicant: Applicant, admin_sql: psycopg.Connection, tag: str
) -> None:
    await applicant.apply(f"warm-{tag}", APPLICANT, BUSINESS)
    with pytest.raises(FormInvalid) as info:
        await applicant.apply(f"k-{tag}", APPLICANT, {**BUSINESS, "employees": "两个"})
    assert info.value.pointer == "/form/employees"
    made = await applicant.apply(f"k-{tag}", APPLICANT, BUSINESS)
    assert made.replayed is False
    assert _applications_of(admin_sql, applicant.actor) == 2


async def test_an_item_changed_since_it_was_cached_is_read_again(
    applicant: Applicant, admin_sql: psycopg.Connection, edited: Any, tag: str
) -> None:
    warm = await applicant.apply(f"warm-{tag}", APPLICANT, BUSINESS)
    code = warm.body["data"]["task_code"]
    changed = code[:-3] + f"{(int(code[-3:]) + 1) % 1000:03d}"  # another code of the same form
    edited("task_code", changed)
    made = await applicant.apply(f"k-{tag}", APPLICANT, BUSINESS)
    assert made.body["data"]["task_code"] == changed != code
    number, task_code, _, history = _stored(admin_sql, made.id)
    assert (number, task_code, history) == (f"{CHENGGUAN}-{made.id}", changed, 1)
    assert _applications_of(admin_sql, applicant.actor) == 2


async def test_a_repeat_after_the_item_closed_gets_its_first_answer(
    applicant: Applicant, admin_sql: psycopg.Connection, edited: Any, tag: str
) -> None:
    await applicant.apply(f"warm-{tag}", APPLICANT, BUSINESS)
    first = await applicant.apply(f"k-{tag}", APPLICANT, BUSINESS)
    edited("task_state", "closed")
    again = await applicant.apply(f"k-{tag}", APPLICANT, BUSINESS)
    assert again.replayed is True and again.body == first.body
    with pytest.raises(ServiceClosed):
        await applicant.apply(f"new-{tag}", APPLICANT, BUSINESS)
    assert _applications_of(admin_sql, applicant.actor) == 2


async def test_concurrent_repeats_through_the_cache_make_one_application(
    applicant: Applicant, admin_sql: psycopg.Connection, tag: str
) -> None:
    await applicant.apply(f"warm-{tag}", APPLICANT, BUSINESS)

    async def send() -> tuple[int, bool]:
        async with applicant.records() as records:
            created = await records.apply(
                applicant.service_item,
                APPLICANT,
                form=BUSINESS,
                channel="online",
                idempotency_key=f"k-{tag}",
                online=True,
            )
            await asyncio.sleep(0.2)  # hold the claim while the other request arrives
            return created.id, created.replayed

    results = await asyncio.gather(send(), send())
    assert results[0][0] == results[1][0]
    assert sorted(r[1] for r in results) == [False, True]
    assert _applications_of(admin_sql, applicant.actor) == 2
