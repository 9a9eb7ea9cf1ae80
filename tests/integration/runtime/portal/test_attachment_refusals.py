"""A citizen who learns another's attachment key cannot make it part of their own case.

Over HTTP against the real services (S3 too): one citizen's verified uploads are named
by another on the application page (a file field, a table row's file cell, a draft), in
a case opened over the API and in the answer to a 补正 (its files and its corrected
data). Every reference is refused at its pointer with the catalogue's message and
nothing is stored; the person's own upload with a forged size, type and hash is stored
as the server measured it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.integration.runtime.cases.conftest import FOOD_APPLICATION
from tests.integration.runtime.portal.signing import CHENGGUAN, HTML, Client, csrf, sign_in
from tests.integration.runtime.portal.test_application_drafts import (
    FOOD_FORM,
    MATERIALS,
    _error,
    _posted,
    _stored,
    food_item,  # noqa: F401  (the fixture)
)
from tests.integration.runtime.portal.test_case_feedback import CASES, _act, _staff, staff_client  # noqa: F401
from tests.integration.security.people import phone_for
from tests.integration.stack import Stack
from tests.unit.runtime.attachments.samples import pdf, png
from yiwang.platform.i18n import translate
from yiwang.tenants.tree import TenantTree

pytestmark = pytest.mark.usefixtures("installed")


def refusal(reason: str) -> str:
    """The catalogue's message for a reference refused for `reason`."""
    return translate(
        "attachments.reference_invalid", detail=translate(f"attachments.reference.{reason}")
    )


def _copy_to(admin_sql: psycopg.Connection, key: str, tenant_id: int) -> str:
    """A verified copy of the attachment `key` in another tenant (its key is that tenant's)."""
    new = uuid.uuid4()
    other = f"t/{tenant_id}/attachments/{new.hex}"
    admin_sql.execute(
        "INSERT INTO attachments SELECT (jsonb_populate_record(NULL::attachments, to_jsonb(a)"
        " || jsonb_build_object('tenant_id', %s::int, 'id', %s::text, 'key', %s::text))).*"
        " FROM attachments a WHERE key = %s",
        (tenant_id, str(new), other, key),
    )
    return other


PNG = ("图.png", png(), "image/png")
PDF = ("制度.pdf", pdf(), "application/pdf")


async def _uploaded(client: Client, path: str, *files: tuple[str, Any]) -> str:
    """The page of a draft saved with `files` (input name, file), a material named."""
    blank = await client.get(path, headers=HTML)
    saved = await client.post(
        path,
        data={
            **_posted(client, blank.text, _save_draft="1"),
            f"{MATERIALS}.0.material_name": "营业执照",
        },
        files=list(files),
        headers=HTML,
    )
    assert saved.status_code == 200, saved.text
    return saved.text


def _count(admin_sql: psycopg.Connection, sql: str, *params: Any) -> int:
    row = admin_sql.execute(sql, params).fetchone()
    assert row is not None
    return int(row[0])


async def test_the_page_a_draft_a_case_and_a_supplement_name_only_ones_own_verified_files(
    client: Client,
    staff_client: Client,  # noqa: F811
    services: Stack,
    tmp_path: Path,
    cleanup: str,
    accounts: list[int],
    food_item: int,  # noqa: F811
    admin_sql: psycopg.Connection,
    installed: TenantTree,
) -> None:
    path = f"/r/{CHENGGUAN}/services/{food_item}/apply"
    here, there = installed.node(CHENGGUAN).id, installed.node("620103").id

    # the first citizen's verified uploads: a layout plan and a material
    await sign_in(client, tmp_path, phone_for(cleanup, 41), accounts)
    saved = await _uploaded(client, path, ("layout_plan", PNG), (f"{MATERIALS}.0.files", PNG))
    [layout] = _stored(saved, "layout_plan")
    [material] = _stored(saved, f"{MATERIALS}.0.files")
    pending = _copy_to(admin_sql, layout["key"], here)  # a second attachment, then not verified
    admin_sql.execute("UPDATE attachments SET status = 'pending' WHERE key = %s", (pending,))
    infected = _copy_to(admin_sql, layout["key"], here)
    admin_sql.execute(
        "UPDATE attachments SET status = 'rejected', reason = 'infected' WHERE key = %s",
        (infected,),
    )
    elsewhere = _copy_to(admin_sql, layout["key"], there)
    made_up = f"t/{here}/attachments/{'0' * 32}"

    # the second citizen's own verified uploads, kept in a draft
    client.cookies.clear()
    await sign_in(client, tmp_path, phone_for(cleanup, 42), accounts)
    me = accounts[-1]
    submitter = f"account:{me}"
    mine = await _uploaded(
        client,
        path,
        ("layout_plan", PNG),
        ("safety_rules", PDF),
        ("process_flow", PNG),
        (f"{MATERIALS}.0.files", PNG),
    )
    blank = await client.get(path, headers=HTML)
    [own_layout] = _stored(mine, "layout_plan")
    [own_rules] = _stored(mine, "safety_rules")
    [own_flow] = _stored(mine, "process_flow")
    [own_material] = _stored(mine, f"{MATERIALS}.0.files")
    # the page resumes the draft: its held files are left out, each post names its own
    held = _posted(client, blank.text, **FOOD_FORM)
    complete = {
        **{name: texts for name, texts in held.items() if not name.startswith("_file.")},
        "_file.safety_rules": json.dumps(own_rules),
        "_file.process_flow": json.dumps(own_flow),
    }
    applications = "SELECT count(*) FROM records WHERE tenant_id = %s AND type_key = 'application'"
    records_before = _count(admin_sql, applications, here)

    # they name others' and unusable files on the application page: refused at layout_plan
    attacks = [
        (layout, "not_owner"),  # (a) another citizen's verified attachment
        (own_flow, "other_field"),  # (b) uploaded for another field (process_flow)
        (own_material, "other_field"),  # (c) another item type's (the envelope's materials)
        ({**layout, "key": pending}, "unverified"),  # (d) pending
        ({**layout, "key": infected}, "unverified"),  # (d) refused by the scanner
        ({**layout, "key": elsewhere}, "unknown"),  # (e) another tenant's
        ({**layout, "key": made_up}, "unknown"),  # (f) made up
    ]
    for named, reason in attacks:
        sent = await client.post(
            path, data={**complete, "_file.layout_plan": json.dumps(named)}, headers=HTML
        )
        assert sent.status_code == 422, (reason, sent.text)
        assert _error(sent.text, "layout_plan") == refusal(reason), reason
    # (h) the same in a table cell: another's file in the first row of 申请材料
    cell = await client.post(
        path,
        data={
            **complete,
            "_file.layout_plan": json.dumps(own_layout),
            f"{MATERIALS}.0.material_name": "营业执照",
            f"_file.{MATERIALS}.0.files": json.dumps(material),
        },
        headers=HTML,
    )
    assert cell.status_code == 422, cell.text
    assert _error(cell.text, f"{MATERIALS}-0-files") == refusal("not_owner")
    assert _count(admin_sql, "SELECT count(*) FROM cases WHERE submitter = %s", submitter) == 0
    assert _count(admin_sql, applications, here) == records_before

    # a draft keeps the person's own files only: another's is refused at its field
    draft = await client.post(
        path,
        data={
            **_posted(client, blank.text, _save_draft="1"),
            "_file.layout_plan": json.dumps(layout),
            "_file.process_flow": json.dumps(own_flow),
        },
        headers=HTML,
    )
    assert draft.status_code == 200, draft.text
    assert _error(draft.text, "layout_plan") == refusal("not_owner")
    row = admin_sql.execute(
        "SELECT attachments FROM application_drafts WHERE account_id = %s", (me,)
    ).fetchone()
    assert row is not None
    kept = row[0]
    assert "layout_plan" not in kept and kept["process_flow"] == [own_flow]

    # a case opened over the API names another's layout plan: refused, nothing opened
    token = {"x-csrf-token": csrf(client)}
    data = {**FOOD_APPLICATION["data"], "layout_plan": layout}  # type: ignore[dict-item]
    opened = await client.post(CASES, json={**FOOD_APPLICATION, "data": data}, headers=token)
    assert opened.status_code == 422, opened.text
    error = opened.json()["error"]
    assert (error["code"], error["pointer"]) == (
        "attachments.reference_invalid",
        "/data/layout_plan",
    )
    assert error["message"] == refusal("not_owner")
    assert _count(admin_sql, "SELECT count(*) FROM cases WHERE submitter = %s", submitter) == 0

    # (g) the person's own upload with a forged size, type and hash: stored as measured
    own = own_flow
    forged = {**own, "size": 1, "content_type": "application/pdf", "sha256": "0" * 64}
    measured = admin_sql.execute(
        "SELECT size, content_type, sha256 FROM attachments WHERE key = %s", (own["key"],)
    ).fetchone()
    assert measured is not None and measured[0] == len(png())
    data = {**FOOD_APPLICATION["data"], "process_flow": forged}  # type: ignore[dict-item]
    opened = await client.post(CASES, json={**FOOD_APPLICATION, "data": data}, headers=token)
    assert opened.status_code == 201, opened.text
    number = str(opened.json()["number"])
    stored = admin_sql.execute(
        "SELECT form_data -> 'process_flow' FROM cases WHERE number = %s", (number,)
    ).fetchone()
    assert stored is not None
    assert (stored[0]["size"], stored[0]["content_type"], stored[0]["sha256"]) == tuple(measured)

    # (i) the 补正 answer: another's key among its files, another's file in its data
    clerk = await _staff(staff_client, services, f"clerk.{cleanup}", "window_clerk")
    await _act(staff_client, clerk, number, action="request_supplement", missing=["平面图"])
    resubmit = f"{CASES}/{number}/resubmit"
    events = (
        "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.number = %s"
    )
    before = _count(admin_sql, events, number)
    with_key = await client.post(resubmit, json={"attachments": [layout["key"]]}, headers=token)
    assert with_key.status_code == 422, with_key.text
    error = with_key.json()["error"]
    assert (error["code"], error["pointer"], error["message"]) == (
        "attachments.reference_invalid",
        "/attachments/0",
        refusal("not_owner"),
    )
    with_data = await client.post(
        resubmit, json={"comment": "已补充", "data": {"layout_plan": layout}}, headers=token
    )
    assert with_data.status_code == 422, with_data.text
    assert with_data.json()["error"]["pointer"] == "/data/layout_plan"
    assert _count(admin_sql, events, number) == before
    status = admin_sql.execute("SELECT status FROM cases WHERE number = %s", (number,)).fetchone()
    assert status == ("supplement_requested",)

    # the person's own file answers the 补正; what the snapshot held stays as stored
    fine = await client.post(
        resubmit,
        json={
            "attachments": [own["key"]],
            "data": {"process_flow": forged, "contact_phone": "13800000001"},
        },
        headers=token,
    )
    assert fine.status_code == 200, fine.text
    after = admin_sql.execute(
        "SELECT status, form_data FROM cases WHERE number = %s", (number,)
    ).fetchone()
    assert after is not None and after[0] == "submitted"
    assert after[1]["process_flow"] == stored[0] and after[1]["contact_phone"] == "13800000001"
    admin_sql.execute(
        "DELETE FROM attachments WHERE key = ANY(%s)", ([pending, infected, elsewhere],)
    )
