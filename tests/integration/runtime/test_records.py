"""Records against PostgreSQL: validation, history, audit, optimistic concurrency,
idempotency, personal data, platform-filled fields, departments, soft deletion."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest

from tests.integration.runtime.conftest import Runtime, special_fund
from yiwang.metadata.documents.errors import FormInvalid
from yiwang.runtime.records.errors import (
    BodyInvalid,
    IdempotencyMismatch,
    OtherDepartment,
    PlatformFieldRefused,
    RecordDeleted,
    RecordNotFound,
    StaleVersion,
    TypeUnknown,
)
from yiwang.runtime.records.service import MASKED, PLATFORM, Viewer

PROVINCE = "620000"
CHENGGUAN = "620102"


def _audit(admin_sql: psycopg.Connection, action: str, object_id: str) -> list[tuple[Any, ...]]:
    return admin_sql.execute(
        "SELECT actor, action, object_type, object_id, detail FROM audit_log"
        " WHERE action = %s AND object_id = %s ORDER BY seq",
        (action, object_id),
    ).fetchall()


async def test_create_read_and_history_with_audit(
    runtime: Runtime, tag: str, admin_sql: psycopg.Connection
) -> None:
    async with runtime.records(PROVINCE, actor=f"op.{tag}") as records:
        created = await records.create("special_fund", special_fund(f"d{tag}", 2031))
    assert created.status_code == 201 and created.replayed is False
    async with runtime.records(PROVINCE) as records:
        view = await records.get("special_fund", created.id)
        history = await records.history("special_fund", created.id)
    assert view.version == 1 and view.tenant == PROVINCE and view.department == f"d{tag}"
    assert view.created_by == f"op.{tag}"
    assert list(view.data)[:3] == ["fund_name", "fund_kind", "competent_department"]
    assert [h.action for h in history] == ["create"]
    fields = [c["field"] for c in history[0].changes]
    assert fields[:2] == ["/data/fund_name", "/data/fund_kind"]
    rows = _audit(admin_sql, "record.create", f"special_fund/{created.id}")
    assert len(rows) == 1
    actor, _, object_type, _, detail = rows[0]
    assert (actor, object_type) == (f"op.{tag}", "record")
    assert detail["type"] == "special_fund" and "fund_name" in detail["fields"]


async def test_every_problem_is_listed_with_its_pointer_and_nothing_is_written(
    runtime: Runtime, tag: str, admin_sql: psycopg.Connection
) -> None:
    bad = special_fund(f"d{tag}", 2031, fund_kind="99", x_unknown="?")
    del bad["fund_name"]
    bad["end_year"] = 2020  # before start_year: a comparison rule
    async with runtime.records(PROVINCE) as records:
        with pytest.raises(FormInvalid) as info:
            await records.create("special_fund", bad)
    pointers = {d.pointer: d.code for d in info.value.details}
    assert pointers == {
        "/data/fund_name": "metadata.record.required",
        "/data/fund_kind": "metadata.record.enum",
        "/data/x_unknown": "metadata.record.unknown_property",
        "/data/end_year": "metadata.record.rule_compare",
    }
    stored = admin_sql.execute(
        "SELECT count(*) FROM records WHERE department = %s", (f"d{tag}",)
    ).fetchone()
    assert stored == (0,)
    async with runtime.records(PROVINCE) as records:
        with pytest.raises(FormInvalid) as compare:
            await records.create(
                "special_fund", {**special_fund(f"d{tag}", 2031), "end_year": 2020}
            )
    assert [(d.code, d.pointer) for d in compare.value.details] == [
        ("metadata.record.rule_compare", "/data/end_year")
    ]


async def test_unknown_type_and_business_forms_are_not_records(runtime: Runtime) -> None:
    async with runtime.records(PROVINCE) as records:
        with pytest.raises(TypeUnknown):
            await records.create("no_such_type", {})
        with pytest.raises(TypeUnknown):
            await records.create("food_business_license", {})


async def test_a_stale_write_is_refused_and_changes_nothing(
    runtime: Runtime, tag: str, admin_sql: psycopg.Connection
) -> None:
    async with runtime.records(PROVINCE) as records:
        created = await records.create("special_fund", special_fund(f"d{tag}", 2032))
    first = dict(created.body["data"], fund_name="第一次修改")
    async with runtime.records(PROVINCE) as records:
        updated = await records.update("special_fund", created.id, first, expected_version=1)
    assert updated.version == 2
    async with runtime.records(PROVINCE) as records:
        with pytest.raises(StaleVersion) as info:
            await records.update(
                "special_fund", created.id, dict(first, fund_name="过期的修改"), expected_version=1
            )
    assert info.value.code == "records.stale" and info.value.status == 409
    assert info.value.params == {"current": 2, "given": 1}
    row = admin_sql.execute(
        "SELECT version, data->>'fund_name' FROM records WHERE id = %s", (created.id,)
    ).fetchone()
    assert row == (2, "第一次修改")
    async with runtime.records(PROVINCE) as records:
        history = await records.history("special_fund", created.id)
    assert [(h.action, h.version) for h in history] == [("create", 1), ("update", 2)]
    assert history[1].changes == [
        {"field": "/data/fund_name", "from": f"d{tag} 专项资金 1", "to": "第一次修改"}
    ]


async def test_concurrent_writers_of_one_version_one_wins(runtime: Runtime, tag: str) -> None:
    async with runtime.records(PROVINCE) as records:
        created = await records.create("special_fund", special_fund(f"d{tag}", 2032))

    async def write(name: str) -> str:
        try:
            async with runtime.records(PROVINCE) as records:
                data = dict(created.body["data"], fund_name=name)
                await records.update("special_fund", created.id, data, expected_version=1)
        except StaleVersion:
            return "stale"
        return "ok"

    outcomes = await asyncio.gather(write("甲"), write("乙"))
    assert sorted(outcomes) == ["ok", "stale"]


async def test_idempotency_key_replays_the_first_answer(
    runtime: Runtime, tag: str, admin_sql: psycopg.Connection
) -> None:
    body = special_fund(f"d{tag}", 2033)
    async with runtime.records(PROVINCE, actor=f"a.{tag}") as records:
        first = await records.create("special_fund", body, idempotency_key=f"k-{tag}")
    async with runtime.records(PROVINCE, actor=f"a.{tag}") as records:
        again = await records.create("special_fund", dict(body), idempotency_key=f"k-{tag}")
    assert again.replayed is True and first.replayed is False
    assert again.body == first.body
    async with runtime.records(PROVINCE, actor=f"a.{tag}") as records:
        with pytest.raises(IdempotencyMismatch) as info:
            await records.create(
                "special_fund", dict(body, fund_name="另一份"), idempotency_key=f"k-{tag}"
            )
    assert info.value.code == "records.idempotency_mismatch" and info.value.status == 422
    # another actor's key is another key
    async with runtime.records(PROVINCE, actor=f"b.{tag}") as records:
        other = await records.create("special_fund", body, idempotency_key=f"k-{tag}")
    assert other.id != first.id and other.replayed is False
    count = admin_sql.execute(
        "SELECT count(*) FROM records WHERE department = %s", (f"d{tag}",)
    ).fetchone()
    assert count == (2,)


async def test_concurrent_retries_with_one_key_make_one_record(
    runtime: Runtime, tag: str, admin_sql: psycopg.Connection
) -> None:
    body = special_fund(f"d{tag}", 2033)

    async def send() -> tuple[int, bool]:
        async with runtime.records(PROVINCE, actor=f"c.{tag}") as records:
            created = await records.create("special_fund", body, idempotency_key=f"k-{tag}")
            await asyncio.sleep(0.2)  # hold the claim while the other request arrives
            return created.id, created.replayed

    results = await asyncio.gather(send(), send())
    assert results[0][0] == results[1][0]
    assert sorted(r[1] for r in results) == [False, True]
    count = admin_sql.execute(
        "SELECT count(*) FROM records WHERE department = %s", (f"d{tag}",)
    ).fetchone()
    assert count == (1,)


async def test_a_failed_create_does_not_burn_its_key(runtime: Runtime, tag: str) -> None:
    with pytest.raises(FormInvalid):  # outside the unit: it rolls back, as a request's would
        async with runtime.records(PROVINCE, actor=f"a.{tag}") as records:
            await records.create("special_fund", {"fund_name": "x"}, idempotency_key=f"k-{tag}")
    async with runtime.records(PROVINCE, actor=f"a.{tag}") as records:
        made = await records.create(
            "special_fund", special_fund(f"d{tag}", 2033), idempotency_key=f"k-{tag}"
        )
    assert made.replayed is False


async def test_soft_delete_and_restore(runtime: Runtime, tag: str) -> None:
    async with runtime.records(PROVINCE) as records:
        created = await records.create("special_fund", special_fund(f"d{tag}", 2034))
    async with runtime.records(PROVINCE) as records:
        deleted = await records.delete("special_fund", created.id, expected_version=1)
    assert deleted.deleted_at is not None and deleted.version == 2
    async with runtime.lists(PROVINCE) as lists:
        page = await lists.page(
            "special_fund", {"filter.competent_department": [f"d{tag}"]}, viewer=PLATFORM
        )
    assert page.items == []
    async with runtime.records(PROVINCE) as records:
        with pytest.raises(RecordDeleted):
            await records.update(
                "special_fund", created.id, created.body["data"], expected_version=2
            )
    async with runtime.records(PROVINCE) as records:
        restored = await records.restore("special_fund", created.id, expected_version=2)
        history = await records.history("special_fund", created.id)
    assert restored.deleted_at is None and restored.version == 3
    assert [h.action for h in history] == ["create", "delete", "restore"]


async def test_department_only_staff_see_and_write_their_department_only(
    runtime: Runtime, tag: str
) -> None:
    mine, theirs = f"m{tag}", f"t{tag}"
    async with runtime.records(PROVINCE) as records:
        own = await records.create("special_fund", special_fund(mine, 2035))
        other = await records.create("special_fund", special_fund(theirs, 2035))
    clerk = Viewer(restricted=True, department=mine)
    async with runtime.records(PROVINCE) as records:
        assert (await records.get("special_fund", own.id, viewer=clerk)).id == own.id
        with pytest.raises(RecordNotFound):
            await records.get("special_fund", other.id, viewer=clerk)
        with pytest.raises(OtherDepartment):
            await records.create("special_fund", special_fund(theirs, 2035, n=2), viewer=clerk)
    async with runtime.lists(PROVINCE) as lists:
        page = await lists.page("special_fund", {"filter.fiscal_year": ["2035"]}, viewer=clerk)
    assert {item["department"] for item in page.items} == {mine}
    nobody = Viewer(restricted=True, department=None)
    async with runtime.lists(PROVINCE) as lists:
        empty = await lists.page("special_fund", {"filter.fiscal_year": ["2035"]}, viewer=nobody)
    assert empty.items == []


async def test_records_of_another_tenant_are_out_of_reach(runtime: Runtime, tag: str) -> None:
    async with runtime.records(PROVINCE) as records:
        created = await records.create("special_fund", special_fund(f"d{tag}", 2036))
    async with runtime.records("620103") as records:
        with pytest.raises(RecordNotFound):
            await records.get("special_fund", created.id)
        with pytest.raises(RecordNotFound):
            await records.update("special_fund", created.id, {}, expected_version=1)


async def test_generic_create_refuses_types_the_platform_fills(runtime: Runtime) -> None:
    async with runtime.records(CHENGGUAN) as records:
        with pytest.raises(BodyInvalid) as info:
            await records.create("application", {"applicant_name": "张三"})
    assert info.value.code == "records.created_elsewhere"


async def test_client_values_for_platform_fields_are_refused(
    runtime: Runtime, samples: dict[str, Any]
) -> None:
    service_id = samples["individual_business"]
    async with runtime.records(CHENGGUAN) as records:
        with pytest.raises(PlatformFieldRefused) as info:
            await records.apply(
                service_id,
                {**APPLICANT, "service_item": "1", "channel": "window", "business_form": "x"},
                form=BUSINESS,
                channel="online",
                idempotency_key=None,
                online=True,
            )
    assert info.value.code == "records.platform_filled"
    assert [d.pointer for d in info.value.details] == [
        "/data/service_item",
        "/data/business_form",
        "/data/channel",
    ]


APPLICANT: dict[str, Any] = {
    "applicant_type": "1",
    "applicant_name": "张三丰",
    "id_type": "id_card",
    "id_number": "620102199001011233",
    "contact_name": "张三丰",
    "contact_phone": "13912345678",
    "delivery_method": "window",
}
BUSINESS: dict[str, Any] = {
    "operator_name": "张三丰",
    "operator_id_number": "620102199001011233",
    "operator_phone": "13912345678",
    "operation_form": "family",
    "family_members": [
        {"member_name": "李四娘", "member_id_number": "620102199202021243", "relation": "spouse"}
    ],
    "premises_address": "兰州市城关区张掖路 1 号",
    "premises_division": "620102",
    "industry": "F",
    "business_scope": "日用百货零售",
    "capital": 5_000_000,
    "employees": 2,
}


async def test_an_application_takes_item_form_and_channel_from_the_route(
    runtime: Runtime, samples: dict[str, Any], admin_sql: psycopg.Connection
) -> None:
    service_id = samples["individual_business"]
    async with runtime.records(CHENGGUAN, actor="citizen.zs") as records:
        created = await records.apply(
            service_id,
            APPLICANT,
            form=BUSINESS,
            channel="online",
            idempotency_key=None,
            online=True,
        )
    body = created.body
    assert body["status"] == "submitted" and body["department"] == "scjgj"
    assert body["data"]["service_item"] == str(service_id)
    assert body["data"]["business_form"] == "individual_business_registration"
    assert body["data"]["channel"] == "online"
    assert body["data"]["task_code"] == "11620102224201266J4000114001000"
    assert body["form"]["key"] == "individual_business_registration"
    # personal data: sealed at rest, masked in the answer
    assert body["personal"] == "masked"
    assert body["data"]["applicant_name"] == "张*丰"
    assert body["data"]["id_number"] == "620102********1233"
    assert body["form"]["data"]["family_members"][0]["member_name"] == "李*娘"
    stored = admin_sql.execute(
        "SELECT data::text, form_data::text, pii_sealed, pii_masked::text, pii_index::text"
        " FROM records WHERE id = %s",
        (created.id,),
    ).fetchone()
    assert stored is not None
    for text in stored:
        assert "张三丰" not in text and "620102199001011233" not in text and "李四娘" not in text
    assert stored[2].startswith("v1.")


async def test_a_form_that_fails_its_business_form_is_listed_under_form(
    runtime: Runtime, samples: dict[str, Any]
) -> None:
    form = dict(BUSINESS)
    del form["family_members"]  # required for a family business
    async with runtime.records(CHENGGUAN) as records:
        with pytest.raises(FormInvalid) as info:
            await records.apply(
                samples["individual_business"],
                dict(APPLICANT, contact_phone="电话号码"),
                form=form,
                channel="online",
                idempotency_key=None,
                online=True,
            )
    assert {d.pointer for d in info.value.details} == {
        "/data/contact_phone",
        "/form/family_members",
    }


async def test_personal_data_in_full_only_for_those_allowed_and_audited(
    runtime: Runtime, samples: dict[str, Any], admin_sql: psycopg.Connection, tag: str
) -> None:
    async with runtime.records(CHENGGUAN) as records:
        created = await records.apply(
            samples["individual_business"],
            APPLICANT,
            form=BUSINESS,
            channel="window",
            idempotency_key=None,
            online=False,
        )
    async with runtime.records(CHENGGUAN, actor=f"op.{tag}") as records:
        masked = await records.get("application", created.id, viewer=MASKED)
    assert masked.personal == "masked" and masked.data["contact_phone"] == "139****5678"
    assert _audit(admin_sql, "record.pii_revealed", f"application/{created.id}") == []
    clerk = Viewer(restricted=True, department="scjgj", sees_pii=True)
    async with runtime.records(CHENGGUAN, actor=f"clerk.{tag}") as records:
        full = await records.get("application", created.id, viewer=clerk)
    assert full.personal == "full" and full.data["contact_phone"] == "13912345678"
    assert full.form is not None and full.form["family_members"][0]["member_name"] == "李四娘"
    rows = _audit(admin_sql, "record.pii_revealed", f"application/{created.id}")
    assert [r[0] for r in rows] == [f"clerk.{tag}"]
    assert rows[0][4]["ids"] == [created.id]
    # lists: masked for everyone, in full on request for those allowed (audited)
    params = {"filter.channel": ["window"], "limit": ["200"]}
    async with runtime.lists(CHENGGUAN) as lists:
        page = await lists.page("application", params, viewer=MASKED)
    item = next(i for i in page.items if i["id"] == created.id)
    assert item["values"]["applicant_name"] == "张*丰"
    async with runtime.lists(CHENGGUAN, actor=f"list.{tag}") as lists:
        page = await lists.page("application", {**params, "personal": ["full"]}, viewer=clerk)
    item = next(i for i in page.items if i["id"] == created.id)
    assert item["values"]["applicant_name"] == "张三丰"
    listed = admin_sql.execute(
        "SELECT detail FROM audit_log WHERE action = 'record.pii_revealed' AND actor = %s",
        (f"list.{tag}",),
    ).fetchall()
    assert len(listed) == 1 and created.id in listed[0][0]["ids"]


async def test_personal_fields_are_found_by_their_blind_index(
    runtime: Runtime, samples: dict[str, Any]
) -> None:
    number = "620102198505051238"
    async with runtime.records(CHENGGUAN) as records:
        created = await records.apply(
            samples["individual_business"],
            dict(APPLICANT, id_number=number),
            form=BUSINESS,
            channel="window",
            idempotency_key=None,
            online=False,
        )
    # the blind index is what a list filter compares, never the number itself
    hashed = runtime.seal.blind_index("application", "id_number", number)
    assert hashed != number
    async with runtime.records(CHENGGUAN) as records:
        stored = await records.repo.get(records.tenant.id, created.id)
    assert stored is not None and stored.pii_index == {
        "applicant_name": runtime.seal.blind_index("application", "applicant_name", "张三丰"),
        "id_number": hashed,
        "contact_name": runtime.seal.blind_index("application", "contact_name", "张三丰"),
        "contact_phone": runtime.seal.blind_index("application", "contact_phone", "13912345678"),
    }


async def test_an_offline_service_refuses_online_applications(
    runtime: Runtime, samples: dict[str, Any], admin_sql: psycopg.Connection
) -> None:
    from yiwang.runtime.records.errors import ServiceClosed, ServiceUnknown

    async with runtime.records(CHENGGUAN) as records:
        with pytest.raises(ServiceUnknown):
            await records.apply(
                999_999_999,
                APPLICANT,
                form=BUSINESS,
                channel="online",
                idempotency_key=None,
                online=True,
            )
    offline = samples["offline_service"]
    async with runtime.records(CHENGGUAN) as records:
        with pytest.raises(ServiceClosed) as info:
            await records.apply(
                offline,
                APPLICANT,
                form=BUSINESS,
                channel="online",
                idempotency_key=None,
                online=True,
            )
    assert info.value.code == "records.service_not_online"


async def test_an_application_with_a_known_service_item_takes_two_statements(
    runtime: Runtime, samples: dict[str, Any]
) -> None:
    """Claim, record and history in one CTE (written only while the cached service item's
    live version agrees) and the answer; the audit record is no statement of its own (the
    unit sends it with its COMMIT, `audit.closing`); the first application reads the item
    and claims on its own."""
    from sqlalchemy import event

    from yiwang.runtime.records.service import RecordService, ServiceItems

    items = ServiceItems()
    engine = runtime.sessions.kw["bind"].sync_engine
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    async def apply(n: int) -> list[str]:
        seen.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            async with runtime.records(CHENGGUAN, actor="citizen.count") as base:
                records = RecordService(
                    base.uow, base.tree, base.models, base.seal, base.effective_ids, items
                )
                await records.apply(
                    samples["individual_business"],
                    APPLICANT,
                    form=BUSINESS,
                    channel="online",
                    idempotency_key=f"count-{n}-{id(items)}",
                    online=True,
                )
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return [s for s in seen if "record" in s or "audit" in s]

    def kind(statement: str) -> str:
        if "INSERT INTO record_idempotency" in statement and "record_history" in statement:
            return "claim+record+history"
        if "record_idempotency" in statement and "INSERT" in statement:
            return "claim"
        if "record_idempotency" in statement:
            return "answer"
        if "INSERT INTO records" in statement and "record_history" in statement:
            return "record+history"
        if "yiwang_audit_append" in statement:
            return "audit"
        return statement.split()[0] + (" records" if "FROM records" in statement else "")

    first = [kind(s) for s in await apply(1)]
    assert first == ["claim", "SELECT records", "record+history", "answer"]
    second = [kind(s) for s in await apply(2)]
    assert second == ["claim+record+history", "answer"]
