"""The application page with files and drafts, over HTTP against the real services (S3 too).

A citizen signs in through the page (cookies, CSRF), uploads files as
`multipart/form-data`, saves a draft, comes back to it, is refused a disguised
file at its field with what was typed kept, sees the draft in 我的办件 and
submits; another citizen sees none of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from bs4 import BeautifulSoup

from tests.integration.runtime.portal.signing import (
    CHENGGUAN,
    HTML,
    MY_CASES,
    Client,
    csrf,
    sign_in,
)
from tests.integration.runtime.test_records import APPLICANT
from tests.integration.security.people import phone_for
from tests.unit.runtime.attachments.samples import html, pdf, png
from yiwang.platform.i18n import translate

FOOD_FORM: dict[str, Any] = {
    "operator_name": "兰州市城关区张记牛肉面馆",
    "credit_code": "92620102MA7123456P",
    "legal_representative": "张建国",
    "legal_rep_id_number": "620102199001011233",
    "legal_rep_phone": "13912345678",
    "residence": "甘肃省兰州市城关区庆阳路 188 号",
    "premises_address": "甘肃省兰州市城关区庆阳路 188 号一层",
    "premises_division": CHENGGUAN,
    "premises_area": "120",
    "premises_owned": "true",
    "main_business": "catering",
    "business_items": "hot_food",
    "network_operation": "false",
    "safety_manager": "张建国",
    "safety_manager_id_number": "620102199001011233",
    "safety_manager_phone": "13912345678",
    "safety_manager_trained": "true",
    "employees": "6",
    "health_certified": "6",
    "equipment": "灶台两台，冷藏柜一台",
    "water_source": "municipal",
    "commitment": "true",
    "applicant_sign_date": "2026-12-01",
}


@pytest.fixture
def food_item(samples: dict[str, Any], admin_sql: psycopg.Connection, installed: Any) -> int:
    row = admin_sql.execute(
        "SELECT id FROM records WHERE tenant_id = %s AND type_key = 'service_item'"
        " AND data ->> 'business_form' = 'food_business_license' AND deleted_at IS NULL"
        " ORDER BY id LIMIT 1",
        (installed.node(CHENGGUAN).id,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def _posted(client: Client, page: str, **extra: str) -> dict[str, Any]:
    """The fields of a drawn page as the browser would post them back, plus `extra`."""
    soup = BeautifulSoup(page, "html.parser")
    data: dict[str, Any] = {}
    for field in soup.select("form.yiwang-form input[type=hidden]"):
        data.setdefault(field["name"], []).append(field["value"])
    data.update({f"application.{k}": str(v) for k, v in APPLICANT.items()})
    data.update(extra)
    data["_csrf"] = csrf(client)
    return data


def _stored(page: str, field: str) -> list[dict[str, Any]]:
    soup = BeautifulSoup(page, "html.parser")
    return [
        json.loads(i["value"]) for i in soup.find_all("input", attrs={"name": f"_file.{field}"})
    ]


def _error(page: str, field: str) -> str | None:
    found = BeautifulSoup(page, "html.parser").find(id=f"f-{field}-error")
    return found.get_text(strip=True) if found is not None else None


async def test_files_drafts_and_a_disguised_upload_on_the_application_page(
    client: Client,
    tmp_path: Path,
    cleanup: str,
    accounts: list[int],
    food_item: int,
    admin_sql: psycopg.Connection,
    installed: Any,
) -> None:
    path = f"/r/{CHENGGUAN}/services/{food_item}/apply"
    await sign_in(client, tmp_path, phone_for(cleanup, 21), accounts)
    blank = await client.get(path, headers=HTML)
    assert blank.status_code == 200, blank.text
    soup = BeautifulSoup(blank.text, "html.parser")
    assert soup.find("form", class_="yiwang-form")["enctype"] == "multipart/form-data"
    assert soup.find(id="f-layout_plan").get("disabled") is None
    assert soup.find("button", attrs={"name": "_save_draft"}).get_text() == "保存草稿"

    typed = {"operator_name": FOOD_FORM["operator_name"]}
    files = {"layout_plan": ("平面图.png", png(), "image/png")}
    # no CSRF token, nothing stored
    forged = {k: v for k, v in _posted(client, blank.text, _save_draft="1", **typed).items()}
    forged.pop("_csrf")
    refused = await client.post(path, data=forged, files=files, headers=HTML)
    assert refused.status_code == 403
    tenant_id = installed.node(CHENGGUAN).id
    me = accounts[-1]
    assert admin_sql.execute(
        "SELECT count(*) FROM application_drafts WHERE account_id = %s", (me,)
    ).fetchone() == (0,)

    saved = await client.post(
        path, data=_posted(client, blank.text, _save_draft="1", **typed), files=files, headers=HTML
    )
    assert saved.status_code == 200, saved.text
    soup = BeautifulSoup(saved.text, "html.parser")
    assert soup.find(id="notice").get_text() == translate("applications.draft_saved")
    [layout] = _stored(saved.text, "layout_plan")
    assert layout["name"] == "平面图.png" and layout["size"] == len(png())
    assert layout["key"].startswith(f"t/{tenant_id}/attachments/")
    assert admin_sql.execute(
        "SELECT status, owner_account_id FROM attachments WHERE key = %s", (layout["key"],)
    ).fetchone() == ("verified", me)

    # the empty page resumes the draft: what was typed and the stored file
    resumed = await client.get(path, headers=HTML)
    soup = BeautifulSoup(resumed.text, "html.parser")
    assert soup.find(id="notice").get_text() == translate("applications.draft_resumed")
    assert soup.find(id="f-operator_name")["value"] == FOOD_FORM["operator_name"]
    assert _stored(resumed.text, "layout_plan") == [layout]
    listing = await client.get(MY_CASES, headers=HTML)
    assert f'href="{path}"' in listing.text and "食品经营许可" in listing.text

    # an HTML page posing as a PNG: refused at its field, the rest as typed, the layout kept
    disguised = {"process_flow": ("流程图.png", html(), "image/png")}
    bad = await client.post(
        path,
        data=_posted(client, resumed.text, operator_name="张记面馆"),
        files=disguised,
        headers=HTML,
    )
    assert bad.status_code == 422
    assert _error(bad.text, "process_flow") == translate("attachments.rejected.type_mismatch")
    assert BeautifulSoup(bad.text, "html.parser").find(id="f-operator_name")["value"] == "张记面馆"
    assert _stored(bad.text, "layout_plan") == [layout]
    assert _stored(bad.text, "process_flow") == []

    # the complete application: the case is opened and the draft is gone
    complete = _posted(client, resumed.text, **FOOD_FORM)
    sent = await client.post(
        path,
        data=complete,
        files=[
            ("safety_rules", ("制度.pdf", pdf(), "application/pdf")),
            ("process_flow", ("流程图.png", png(), "image/png")),
        ],
        headers=HTML,
    )
    assert sent.status_code == 200, _error(sent.text, "") or sent.text
    confirmation = BeautifulSoup(sent.text, "html.parser").find(id="confirmation")
    assert confirmation is not None and confirmation.h2.get_text() == "申请已提交"
    assert admin_sql.execute(
        "SELECT count(*) FROM application_drafts WHERE account_id = %s", (me,)
    ).fetchone() == (0,)
    stored = admin_sql.execute(
        "SELECT form_data -> 'layout_plan' ->> 'key' FROM cases WHERE submitter = %s",
        (f"account:{me}",),
    ).fetchone()
    assert stored == (layout["key"],)
    assert "没有保存的草稿" in (await client.get(MY_CASES, headers=HTML)).text

    # another citizen: no draft of theirs, and the first one's file is no reference of theirs
    client.cookies.clear()
    await sign_in(client, tmp_path, phone_for(cleanup, 22), accounts)
    theirs = await client.get(path, headers=HTML)
    assert BeautifulSoup(theirs.text, "html.parser").find(id="notice") is None
    stolen = await client.post(
        path,
        data={**_posted(client, theirs.text, **FOOD_FORM), "_file.layout_plan": json.dumps(layout)},
        headers=HTML,
    )
    assert stolen.status_code == 422
    assert BeautifulSoup(stolen.text, "html.parser").find(id="confirmation") is None


def _layout(page: str) -> dict[str, Any]:
    """What the subsite's one layout shows around a page."""
    soup = BeautifulSoup(page, "html.parser")
    region = soup.select_one("header.site-header .region-name")
    switch = soup.select_one("header.site-header a.region-switch")
    account = soup.select_one("header.site-header nav.account")
    return {
        "site": soup.select_one("header.site-header .site-title a").get_text(),
        "region": region.get_text() if region else None,
        "switch": switch["href"] if switch else None,
        "themes": [a.get_text() for a in soup.select("nav.themes a")],
        "sign_out": account is not None and account.select_one("form.sign-out") is not None,
        "main": soup.select_one("main#main h1") is not None,
    }


async def test_the_application_page_and_its_draft_are_drawn_in_the_subsite_layout(
    client: Client, tmp_path: Path, cleanup: str, accounts: list[int], food_item: int
) -> None:
    path = f"/r/{CHENGGUAN}/services/{food_item}/apply"
    expected = {
        "site": "甘肃省政务服务网",
        "region": "城关区",
        "switch": f"/r/{CHENGGUAN}/regions",
        "themes": ["首页", "行政审批", "便民服务", "阳光政务"],
        "main": True,
    }
    anonymous = await client.get(path, headers=HTML)
    assert anonymous.status_code == 200
    assert _layout(anonymous.text) == {**expected, "sign_out": False}

    await sign_in(client, tmp_path, phone_for(cleanup, 23), accounts)
    blank = await client.get(path, headers=HTML)
    assert _layout(blank.text) == {**expected, "sign_out": True}
    typed = {"operator_name": FOOD_FORM["operator_name"]}
    saved = await client.post(
        path, data=_posted(client, blank.text, _save_draft="1", **typed), headers=HTML
    )
    assert saved.status_code == 200, saved.text
    assert _layout(saved.text) == {**expected, "sign_out": True}
    resumed = await client.get(path, headers=HTML)
    assert BeautifulSoup(resumed.text, "html.parser").find(id="notice") is not None
    assert _layout(resumed.text) == {**expected, "sign_out": True}
    refused = await client.post(path, data=_posted(client, blank.text), headers=HTML)
    assert refused.status_code == 422
    assert _layout(refused.text) == {**expected, "sign_out": True}


MATERIALS = "application.materials"


async def test_files_in_table_rows_are_stored_verified_and_kept_in_their_rows(
    client: Client,
    tmp_path: Path,
    cleanup: str,
    accounts: list[int],
    food_item: int,
    admin_sql: psycopg.Connection,
) -> None:
    """申请材料 rows with a file each, posted without JavaScript (multipart)."""
    path = f"/r/{CHENGGUAN}/services/{food_item}/apply"
    await sign_in(client, tmp_path, phone_for(cleanup, 24), accounts)
    blank = await client.get(path, headers=HTML)
    me = accounts[-1]
    rows = {
        f"{MATERIALS}.0.material_name": "营业执照",
        f"{MATERIALS}.1.material_name": "",
        f"{MATERIALS}.2.material_name": "场所平面图",
        f"_rows.{MATERIALS}": "3",
    }
    first = await client.post(
        path,
        data={**_posted(client, blank.text, **FOOD_FORM), **rows},
        files=[
            (f"{MATERIALS}.0.files", ("执照.png", png(), "image/png")),
            # an HTML page posing as a PNG, in the third posted row (the second kept)
            (f"{MATERIALS}.2.files", ("平面图.png", html(), "image/png")),
        ],
        headers=HTML,
    )
    assert first.status_code == 422
    [licence] = _stored(first.text, f"{MATERIALS}.0.files")
    assert licence["name"] == "执照.png" and licence["size"] == len(png())
    assert admin_sql.execute(
        "SELECT status, item_type, field, owner_account_id FROM attachments WHERE key = %s",
        (licence["key"],),
    ).fetchone() == ("verified", "application", "materials/files", me)
    assert _error(first.text, f"{MATERIALS}-1-files") == translate(
        "attachments.rejected.type_mismatch"
    )
    soup = BeautifulSoup(first.text, "html.parser")
    assert soup.find(id=f"f-{MATERIALS}-1-material_name")["value"] == "场所平面图"
    assert _stored(first.text, f"{MATERIALS}.1.files") == []

    # the second row's file chosen again, a good one: both rows hold their files
    again = await client.post(
        path,
        data={
            **_posted(client, first.text, **FOOD_FORM),
            f"{MATERIALS}.0.material_name": "营业执照",
            f"{MATERIALS}.1.material_name": "场所平面图",
        },
        files=[
            (f"{MATERIALS}.1.files", ("平面图.pdf", pdf(), "application/pdf")),
            ("layout_plan", ("平面图.png", png(), "image/png")),
            ("safety_rules", ("制度.pdf", pdf(), "application/pdf")),
            ("process_flow", ("流程图.png", png(), "image/png")),
        ],
        headers=HTML,
    )
    confirmation = BeautifulSoup(again.text, "html.parser").find(id="confirmation")
    assert again.status_code == 200 and confirmation is not None, again.text
    stored = admin_sql.execute(
        "SELECT r.data -> 'materials' FROM cases c JOIN records r"
        " ON r.tenant_id = c.tenant_id AND r.id = c.record_id WHERE c.submitter = %s",
        (f"account:{me}",),
    ).fetchone()
    assert stored is not None
    materials = stored[0]
    assert [m["material_name"] for m in materials] == ["营业执照", "场所平面图"]
    [[held], [plan]] = [m["files"] for m in materials]
    assert held["key"] == licence["key"]
    assert plan["name"] == "平面图.pdf" and plan["content_type"] == "application/pdf"
