"""The model editor's pages and forms over HTTP, against the real services: what each
page shows, each edit stored in the draft, each refusal at its field with the input
kept, CSRF, preview, publish, rollback, and who may come at all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from bs4 import BeautifulSoup

from tests.integration.runtime.conftest import Citizen
from tests.integration.runtime.model_editor.conftest import HTML, Client, csrf

COUNTY = "620102"
CITY = "620100"
MODEL = f"/console/t/{COUNTY}/model"
FOOD = f"{MODEL}/types/food_business_license"


def _soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def _draft(admin_sql: psycopg.Connection, code: str) -> Any:
    row = admin_sql.execute(
        "SELECT d.content FROM metadata_drafts d JOIN tenants t ON t.id = d.tenant_id"
        " WHERE t.code = %s",
        (code,),
    ).fetchone()
    return row[0] if row else None


def _error(page: BeautifulSoup, control: str) -> str:
    found = page.find(id=f"{control}-error")
    assert found is not None, f"no error at {control}: {page.find(id='main')}"
    return str(found.get_text(strip=True))


async def test_types_list_and_fields_marked_base_or_local(
    client: Client, operator: Callable[..., Awaitable[None]], restore: None
) -> None:
    await operator(COUNTY)
    home = await client.get(MODEL)
    assert home.status_code == 200, home.text
    page = _soup(home.text)
    assert page.h1.get_text() == "城关区的事项类型"
    links = {a.get_text(): a["href"] for a in page.select("main table a")}
    assert links["食品经营许可申请表"] == FOOD
    assert page.find("header").find(class_="region-name").get_text() == "城关区"
    # the header names the operator and offers the console's sign-out, as every console page
    sign_out = page.select_one("nav.account form.sign-out")
    assert sign_out is not None and sign_out["action"] == "/console/signout"
    assert sign_out.find("input", attrs={"name": "_csrf"})["value"] == csrf(client)

    item = _soup((await client.get(f"{MODEL}/types/service_item")).text)
    local = item.find(id="field-x_lz_hotline_code")
    assert local["class"] == ["origin-local"]
    assert local.find_all("td")[-1].get_text(strip=True) == "本地扩展（兰州市）"
    tightened = item.find(id="field-tongban_range")
    assert tightened.find_all("td")[-1].get_text(strip=True) == "基础模型，兰州市已收紧"
    assert item.find(id="field-task_name").find_all("td")[-1].get_text() == "基础模型"
    # every edit form carries the CSRF token
    for form in ("add-field", "add-code", "require", "insert-step", "promise"):
        assert item.find(id=form).find("input", attrs={"name": "_csrf"})["value"] == csrf(client)


async def test_an_edit_without_the_csrf_token_is_refused_and_changes_nothing(
    client: Client,
    operator: Callable[..., Awaitable[None]],
    restore: None,
    admin_sql: psycopg.Connection,
) -> None:
    await operator(COUNTY)
    before = _draft(admin_sql, COUNTY)
    resp = await client.post(
        f"{FOOD}/promise", data={"route": "licensing", "days": "4"}, headers=HTML
    )
    assert resp.status_code == 403
    assert "无权访问" in _soup(resp.text).h1.get_text()
    assert _draft(admin_sql, COUNTY) == before


async def test_weakening_is_refused_at_the_field_that_broke_it_keeping_the_input(
    client: Client,
    operator: Callable[..., Awaitable[None]],
    restore: None,
    admin_sql: psycopg.Connection,
) -> None:
    await operator(COUNTY)
    before = _draft(admin_sql, COUNTY)

    promise = await client.post(
        f"{FOOD}/promise", data={"route": "licensing", "days": "99", "_csrf": csrf(client)}
    )
    assert promise.status_code == 422
    page = _soup(promise.text)
    assert _error(page, "promise-days") == (
        "承诺办结时限 99 个工作日不能超过法定办结时限 20 个工作日。"
    )
    assert page.find(id="promise-days")["value"] == "99"
    assert page.find(id="promise-days")["aria-invalid"] == "true"
    assert "promise-days-error" in page.find(id="promise-days")["aria-describedby"]

    field = await client.post(
        f"{FOOD}/add-field",
        data={"key": "lz_no_prefix", "label": "本地编码", "type": "text", "_csrf": csrf(client)},
    )
    assert field.status_code == 422
    page = _soup(field.text)
    assert _error(page, "add-field-key") == (
        "地区新增的“lz_no_prefix”必须以 x_ 开头，以免与基础模型冲突。"
    )
    assert page.find(id="add-field-label")["value"] == "本地编码"
    assert page.find(id="add-field-type").find("option", selected=True)["value"] == "text"

    step = await client.post(
        f"{FOOD}/insert-step",
        data={
            "route": "licensing",
            "after": "review",
            "key": "recheck",
            "label": "区级复核",
            "kind": "review",
            "role": "dept_reviewer",
            "on_reject": "return_to_previous",
            "_csrf": csrf(client),
        },
    )
    assert step.status_code == 422
    assert _error(_soup(step.text), "insert-step-key") == (
        "地区新增的“recheck”必须以 x_ 开头，以免与基础模型冲突。"
    )

    code = await client.post(
        f"{FOOD}/add-code",
        data={"list": "water_source", "code": "well", "label": "井水", "_csrf": csrf(client)},
    )
    assert code.status_code == 422
    page = _soup(code.text)
    assert _error(page, "add-code-code") == "新增代码值“well”与已有代码值（自备水源）冲突。"
    assert page.find(id="add-code-label")["value"] == "井水"

    # a form's own checks: a number is a number
    days = await client.post(
        f"{FOOD}/promise", data={"route": "licensing", "days": "三天", "_csrf": csrf(client)}
    )
    assert days.status_code == 422
    assert _error(_soup(days.text), "promise-days") == "“承诺时限（工作日）”应填写正整数。"
    # nothing refused reached the draft
    assert _draft(admin_sql, COUNTY) == before


async def test_a_city_cannot_promise_longer_than_it_inherited(
    client: Client, operator: Callable[..., Awaitable[None]], restore: None
) -> None:
    await operator(CITY)
    resp = await client.post(
        f"/console/t/{CITY}/model/types/food_business_license/promise",
        data={"route": "licensing", "days": "12", "_csrf": csrf(client)},
    )
    assert resp.status_code == 422
    assert _error(_soup(resp.text), "promise-days") == (
        "只能收紧、不能放宽“promised_days”（原为 10，改为 12）。"
    )


async def test_edits_fill_the_draft_then_preview_publish_and_roll_back(
    client: Client,
    operator: Callable[..., Awaitable[None]],
    restore: None,
    admin_sql: psycopg.Connection,
) -> None:
    await operator(COUNTY)
    posts = [
        (
            "add-field",
            {
                "key": "x_cg_floor",
                "label": "所在楼层",
                "type": "integer",
                "required": "on",
                "help": "经营场所所在楼层",
                "placement": "apply/premises",
            },
        ),
        ("add-code", {"list": "water_source", "code": "x_cg_well", "label": "自备井"}),
        ("require", {"field": "warehouse_address"}),
        (
            "insert-step",
            {
                "route": "licensing",
                "after": "review",
                "key": "x_cg_recheck",
                "label": "区级复核",
                "kind": "review",
                "role": "dept_reviewer",
                "time_limit_days": "1",
                "on_reject": "return_to_previous",
                "mandatory": "on",
            },
        ),
        ("promise", {"route": "licensing", "days": "4"}),
    ]
    for edit, data in posts:
        resp = await client.post(f"{FOOD}/{edit}", data={**data, "_csrf": csrf(client)})
        assert resp.status_code == 303, (edit, resp.text[:2000])
        assert resp.headers["location"] == f"{FOOD}?done=saved"
    draft = _draft(admin_sql, COUNTY)
    food = draft["documents"]["food_business_license"]
    assert food["fields"]["x_cg_floor"] == {
        "type": "integer",
        "label": "所在楼层",
        "required": True,
        "help": "经营场所所在楼层",
    }
    assert food["fields"]["warehouse_address"] == {"required": True}
    assert food["forms"]["apply"]["sections"]["premises"]["add_fields"] == ["x_cg_floor"]
    assert food["code_lists"]["water_source"]["add"] == [{"code": "x_cg_well", "label": "自备井"}]
    licensing = food["routes"]["licensing"]
    assert licensing["promised_days"] == 4
    assert licensing["update"] == {"inspect": {"time_limit_days": 2}}  # the published part kept
    assert licensing["insert"][0]["step"]["key"] == "x_cg_recheck"

    shown = _soup((await client.get(f"{FOOD}?done=saved")).text)
    assert shown.find(id="done").get_text() == "已保存到草稿。发布前请先预览修改内容和影响。"
    assert shown.find(id="field-x_cg_floor").find_all("td")[-1].get_text() == "本地扩展（城关区）"
    assert "x_cg_recheck" in shown.find(id="route-licensing").get_text()

    preview = _soup((await client.get(f"{MODEL}/preview")).text)
    pointers = [row.find("code").get_text() for row in preview.select("#diff tbody tr")]
    assert "/documents/food_business_license/fields/x_cg_floor" in pointers
    assert "/documents/food_business_license/routes/licensing/promised_days" in pointers
    assert "不与任何下级地区的扩展冲突" in preview.find(id="impact").get_text()
    link = preview.find("a", href=f"{MODEL}/preview/food_business_license/apply")
    assert link is not None
    form = _soup((await client.get(link["href"])).text)
    assert (
        form.find("label", attrs={"for": "f-x_cg_floor"})
        .get_text(strip=True)
        .startswith("所在楼层")
    )
    assert form.find(id="f-x_cg_floor")["required"] is not None

    unconfirmed = await client.post(f"{MODEL}/publish", data={"note": "试", "_csrf": csrf(client)})
    assert unconfirmed.status_code == 422
    page = _soup(unconfirmed.text)
    assert _error(page, "publish-confirm") == "请勾选确认后再发布。"
    assert page.find(id="publish-note")["value"] == "试"

    published = await client.post(
        f"{MODEL}/publish", data={"note": "楼层", "confirm": "on", "_csrf": csrf(client)}
    )
    assert published.status_code == 303, published.text[:2000]
    assert _draft(admin_sql, COUNTY) is None
    versions = _soup((await client.get(published.headers["location"])).text)
    number = published.headers["location"].rsplit("=", 1)[1]
    assert versions.find(id="done").get_text() == f"已发布第 {number} 版。"
    current = versions.select_one("#versions tr.current").find_all("td")
    assert (current[0].get_text(), current[1].get_text(), current[4].get_text()) == (
        number,
        "当前",
        "楼层",
    )
    citizen_form = _soup((await client.get(f"/r/{COUNTY}/forms/food_business_license/apply")).text)
    assert citizen_form.find(id="f-x_cg_floor") is not None

    no_confirm = await client.post(f"{MODEL}/rollback", data={"_csrf": csrf(client)})
    assert no_confirm.status_code == 422
    assert _error(_soup(no_confirm.text), "rollback-confirm") == "请勾选确认后再回滚。"
    rolled = await client.post(f"{MODEL}/rollback", data={"confirm": "on", "_csrf": csrf(client)})
    assert rolled.status_code == 303, rolled.text[:2000]
    after = _soup((await client.get(rolled.headers["location"])).text)
    assert after.find(id="done").get_text().startswith("已回滚")
    citizen_form = _soup((await client.get(f"/r/{COUNTY}/forms/food_business_license/apply")).text)
    assert citizen_form.find(id="f-x_cg_floor") is None


async def test_discarding_the_draft(
    client: Client,
    operator: Callable[..., Awaitable[None]],
    restore: None,
    admin_sql: psycopg.Connection,
) -> None:
    await operator(COUNTY)
    made = await client.post(
        f"{FOOD}/promise", data={"route": "licensing", "days": "4", "_csrf": csrf(client)}
    )
    assert made.status_code == 303
    assert _draft(admin_sql, COUNTY) is not None
    dropped = await client.post(f"{MODEL}/draft/discard", data={"_csrf": csrf(client)})
    assert dropped.status_code == 303 and dropped.headers["location"] == f"{MODEL}?done=discarded"
    assert _draft(admin_sql, COUNTY) is None
    page = _soup((await client.get(f"{MODEL}/preview")).text)
    assert page.find(id="main").p.get_text() == "没有草稿，无可预览的内容。"


async def test_who_may_come(
    client: Client,
    operator: Callable[..., Awaitable[None]],
    citizens: Callable[[], Awaitable[Citizen]],
    restore: None,
) -> None:
    # anonymous: the browser signs in first; an API client gets the 401
    anonymous = await client.get(FOOD, headers=HTML)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/console/signin?next={FOOD}"
    assert (await client.get(FOOD, headers={"accept": "application/json"})).status_code == 401
    # a citizen: the 403 page in the layout
    citizen = await citizens()
    refused = await client.get(FOOD, headers={**HTML, **citizen.headers})
    assert refused.status_code == 403
    assert _soup(refused.text).h1.get_text(strip=True) == "无权访问"
    # another region's operator: 404, for pages and forms alike
    await operator("620500", role="prefecture_operator")
    for method, path in (("GET", MODEL), ("GET", FOOD), ("POST", f"{FOOD}/promise")):
        resp = await client.request(
            method,
            path,
            headers=HTML,
            data={"route": "licensing", "days": "4", "_csrf": csrf(client)},
        )
        assert resp.status_code == 404, (method, path, resp.status_code)
        assert _soup(resp.text).h1.get_text(strip=True) == "页面不存在"
    # an unknown edit and an unknown type are not found either
    await operator(COUNTY, suffix="b")
    assert (await client.post(f"{FOOD}/drop", data={"_csrf": csrf(client)})).status_code == 404
    assert (await client.get(f"{MODEL}/types/nothing", headers=HTML)).status_code == 404
