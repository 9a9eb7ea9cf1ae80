"""The citizen form page and the pickers' options over HTTP, against the real services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import AsyncTestClient

from yiwang.app import build_platform, create_app
from yiwang.platform.settings import Settings
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.tenants.tree import TenantTree

PAGE = "/r/620102/forms/individual_business_registration/apply"


@pytest.fixture
async def client(
    migrated: Settings, installed: TenantTree
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    platform = build_platform(migrated, hashing=PasswordHashing(HashingParameters.for_tests()))
    async with AsyncTestClient(app=create_app(platform=platform)) as client:
        yield client


async def test_the_form_page_renders_checks_and_keeps_input(
    client: AsyncTestClient[Litestar],
) -> None:
    page = await client.get(PAGE)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.h1.get_text() == "个体工商户设立登记"
    divisions = [o["value"] for o in soup.select("#f-premises_division option") if o["value"]]
    assert "620102" in divisions and "620000" in divisions
    posted = await client.post(
        PAGE, data={"operator_name": "张三", "operator_phone": "1234", "capital": "100.5"}
    )
    assert posted.status_code == 422
    soup = BeautifulSoup(posted.text, "html.parser")
    assert soup.find(id="f-operator_phone")["value"] == "1234"
    assert soup.find(id="f-capital")["value"] == "100.5"
    assert "应为 11 位手机号码" in soup.find(id="f-operator_phone-error").get_text()
    assert soup.find(id="f-industry-error").get_text(strip=True) == "请填写“行业门类”。"


async def test_a_valid_post_is_confirmed_and_stores_nothing(
    client: AsyncTestClient[Litestar],
) -> None:
    answer = await client.post(
        "/r/620102/forms/evaluation/rate", data={"level": "4", "comment": "好"}
    )
    assert answer.status_code == 200, answer.text
    soup = BeautifulSoup(answer.text, "html.parser")
    assert soup.find(id="confirmation").h2.get_text() == "校验通过"
    assert soup.find(id="error-summary") is None


async def test_staff_forms_and_unknown_regions_have_no_page(
    client: AsyncTestClient[Litestar],
) -> None:
    assert (await client.get("/r/620102/forms/evaluation/rectify")).status_code == 404
    assert (await client.get("/r/999999/forms/evaluation/rate")).status_code == 404


async def test_options_answer_departments_and_divisions(client: AsyncTestClient[Litestar]) -> None:
    base = "/api/v1/t/620102/forms"
    divisions = await client.get(f"{base}/food_business_license/apply/options/premises_division")
    assert divisions.status_code == 200
    body: dict[str, Any] = divisions.json()
    assert body["kind"] == "division"
    assert {"value": "620102", "label": "甘肃省兰州市城关区"} in body["options"]
    departments = await client.get(f"{base}/complaint/submit/options/department")
    assert departments.status_code == 200
    listed = departments.json()["options"]
    expected = (await client.get("/api/v1/t/620102/departments")).json()
    assert len(listed) == len(expected) > 0
    references = await client.get(f"{base}/complaint/submit/options/service_item")
    assert references.json() == {"field": "service_item", "kind": "reference", "options": []}
    unknown = await client.get(f"{base}/complaint/submit/options/content")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "forms.options.field_unknown"
    internal = await client.get(f"{base}/evaluation/rate/options/department")
    assert internal.status_code == 404


async def test_the_descriptor_is_flat_and_cached(client: AsyncTestClient[Litestar]) -> None:
    first = await client.get("/api/v1/t/620102/forms/food_business_license/apply")
    assert first.status_code == 200
    body = first.json()
    assert body["schema"]["additionalProperties"] is False
    assert body["schema"]["x-yiwang-rules"][0]["rule"] == "health_certificates"
    again = await client.get(
        "/api/v1/t/620102/forms/food_business_license/apply",
        headers={"if-none-match": first.headers["etag"]},
    )
    assert again.status_code == 304


async def test_a_visitor_with_a_session_posts_the_csrf_token(
    client: AsyncTestClient[Litestar],
) -> None:
    client.cookies.set("yiwang_session", "not-a-session")
    client.cookies.set("yiwang_csrf", "token-of-this-browser")
    page = BeautifulSoup((await client.get("/r/620102/forms/evaluation/rate")).text, "html.parser")
    assert page.find("input", attrs={"name": "_csrf"})["value"] == "token-of-this-browser"
    refused = await client.post("/r/620102/forms/evaluation/rate", data={"level": "4"})
    assert refused.status_code == 403
    sent = await client.post(
        "/r/620102/forms/evaluation/rate", data={"level": "4", "_csrf": "token-of-this-browser"}
    )
    assert sent.status_code == 200
    assert "校验通过" in sent.text
