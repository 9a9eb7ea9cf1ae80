"""A citizen's application becomes a case, over HTTP: the API and the HTML application page,
against the real services."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import psycopg
import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.http_client import client_for
from tests.integration.runtime.conftest import Citizen
from tests.integration.runtime.test_records import APPLICANT, BUSINESS
from yiwang.platform.settings import Settings

Client = AsyncTestClient[Litestar]
CODE = "620102"


@pytest.fixture
async def client(migrated: Settings, samples: dict[str, Any]) -> AsyncIterator[Client]:
    async with client_for(migrated) as made:
        yield made


@pytest.fixture
def service_item(samples: dict[str, Any], admin_sql: psycopg.Connection) -> dict[str, Any]:
    """The sample service item citizens apply for, with the values the case is built from."""
    row = admin_sql.execute(
        "SELECT id, department, data FROM records WHERE id = %s", (samples["individual_business"],)
    ).fetchone()
    assert row is not None
    return {"id": row[0], "department": row[1], **row[2]}


def _case_row(admin_sql: psycopg.Connection, number: str) -> tuple[Any, ...]:
    row = admin_sql.execute(
        "SELECT record_id, service_item, form_key, route_key, issuer_name, issuer_code,"
        " submitter, status, form_data FROM cases WHERE number = %s",
        (number,),
    ).fetchone()
    assert row is not None
    return tuple(row)


async def test_a_citizen_applies_and_the_case_is_opened_with_the_record(
    client: Client,
    citizens: Callable[[], Awaitable[Citizen]],
    service_item: dict[str, Any],
    admin_sql: psycopg.Connection,
    tag: str,
) -> None:
    applicant, other = await citizens(), await citizens()
    path = f"/api/v1/t/{CODE}/services/{service_item['id']}/applications"
    headers = {**applicant.headers, "idempotency-key": f"case-{tag}"}
    payload = {"data": APPLICANT, "form": BUSINESS}

    made = await client.post(path, headers=headers, json=payload)
    assert made.status_code == 201, made.text
    body = made.json()
    case = body["case"]
    assert case["status"] == "submitted"
    # <实施编码>-<YYYYMMDD>-<6-digit serial>
    prefix, day, serial = case["number"].rsplit("-", 2)
    assert prefix == service_item["task_code"] and len(day) == 8 and len(serial) == 6
    record_id, item, form, route, issuer, issuer_code, submitter, status, data = _case_row(
        admin_sql, case["number"]
    )
    assert (record_id, item, form, route) == (
        body["id"],
        str(service_item["id"]),
        service_item["business_form"],
        service_item["business_route"],
    )
    assert (issuer, issuer_code) == (service_item["dept_name"], service_item["dept_code"])
    assert (submitter, status) == (f"account:{applicant.account_id}", "submitted")
    assert data["business_scope"] == BUSINESS["business_scope"]

    # the retry gets the first answer, case included, and opens no second case
    again = await client.post(path, headers=headers, json=payload)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == body
    count = admin_sql.execute(
        "SELECT count(*) FROM cases WHERE record_id = %s", (body["id"],)
    ).fetchone()
    assert count == (1,)

    # on the applicant's own list, and readable by them
    mine = await client.get(f"/api/v1/t/{CODE}/cases", headers=applicant.headers)
    assert mine.status_code == 200
    assert [c["number"] for c in mine.json()] == [case["number"]]
    assert mine.json()[0]["record_id"] == body["id"]
    read = await client.get(f"/api/v1/t/{CODE}/cases/{case['number']}", headers=applicant.headers)
    assert read.status_code == 200 and read.json()["status"] == "submitted"

    # another citizen sees nothing of it
    theirs = await client.get(f"/api/v1/t/{CODE}/cases", headers=other.headers)
    assert theirs.status_code == 200 and theirs.json() == []
    peek = await client.get(f"/api/v1/t/{CODE}/cases/{case['number']}", headers=other.headers)
    assert peek.status_code == 404
    record = await client.get(
        f"/api/v1/t/{CODE}/records/application/{body['id']}", headers=other.headers
    )
    assert record.status_code == 403

    # anonymous: refused, and nothing stored
    before = admin_sql.execute("SELECT count(*) FROM cases").fetchone()
    anonymous = await client.post(path, headers={"idempotency-key": f"anon-{tag}"}, json=payload)
    assert anonymous.status_code == 401
    assert (await client.get(f"/api/v1/t/{CODE}/cases")).status_code == 401
    assert admin_sql.execute("SELECT count(*) FROM cases").fetchone() == before


async def test_a_refused_application_leaves_neither_record_nor_case(
    client: Client,
    citizens: Callable[[], Awaitable[Citizen]],
    service_item: dict[str, Any],
    admin_sql: psycopg.Connection,
    tag: str,
) -> None:
    applicant = await citizens()
    path = f"/api/v1/t/{CODE}/services/{service_item['id']}/applications"
    headers = {**applicant.headers, "idempotency-key": f"bad-{tag}"}
    bad = {"data": APPLICANT, "form": {**BUSINESS, "employees": -1}}
    refused = await client.post(path, headers=headers, json=bad)
    assert refused.status_code == 422
    assert refused.json()["error"]["pointer"] == "/form/employees"
    mine = await client.get(f"/api/v1/t/{CODE}/cases", headers=applicant.headers)
    assert mine.json() == []
    # the key was not kept: the corrected body under the same key is a fresh application
    fixed = await client.post(path, headers=headers, json={"data": APPLICANT, "form": BUSINESS})
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["case"]["number"]


def _form_post(token: str | None = None) -> dict[str, str]:
    posted = {f"application.{k}": str(v) for k, v in APPLICANT.items()}
    business = {k: v for k, v in BUSINESS.items() if k != "family_members"}
    posted.update({k: str(v) for k, v in business.items()})
    posted["capital"] = "50000.00"  # 元 on the page, 分 in the record
    for column, value in BUSINESS["family_members"][0].items():
        posted[f"family_members.0.{column}"] = value
    if token is not None:
        posted["_submission"] = token
    return posted


async def test_the_application_page_stores_the_application_and_shows_the_case_number(
    client: Client,
    citizens: Callable[[], Awaitable[Citizen]],
    service_item: dict[str, Any],
    admin_sql: psycopg.Connection,
) -> None:
    applicant = await citizens()
    page_path = f"/r/{CODE}/services/{service_item['id']}/apply"
    page = await client.get(page_path)
    assert page.status_code == 200, page.text
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.h1.get_text() == service_item["task_name"]
    assert soup.find(id="f-application.applicant_name") is not None
    assert soup.find(id="f-operator_name") is not None
    token = soup.find("input", attrs={"name": "_submission"})["value"]

    # an anonymous post is refused before anything is read or stored
    assert (await client.post(page_path, data=_form_post(token))).status_code == 401

    wrong = {**_form_post(token), "application.contact_phone": "1234"}
    refused = await client.post(page_path, data=wrong, headers=applicant.headers)
    assert refused.status_code == 422
    soup = BeautifulSoup(refused.text, "html.parser")
    assert soup.find(id="f-application.contact_phone")["value"] == "1234"
    assert soup.find(id="f-application.contact_phone-error") is not None
    assert soup.find(id="confirmation") is None

    sent = await client.post(page_path, data=_form_post(token), headers=applicant.headers)
    assert sent.status_code == 200, sent.text
    confirmation = BeautifulSoup(sent.text, "html.parser").find(id="confirmation")
    assert confirmation.h2.get_text() == "申请已提交"
    mine = (await client.get(f"/api/v1/t/{CODE}/cases", headers=applicant.headers)).json()
    assert len(mine) == 1
    number = mine[0]["number"]
    assert number in confirmation.get_text()
    stored = admin_sql.execute(
        "SELECT form_data ->> 'capital', data ->> 'channel' FROM records WHERE id = %s",
        (mine[0]["record_id"],),
    ).fetchone()
    assert stored == ("5000000", "online")

    # the second click on 提交 (same page, same key) answers with the same case
    twice = await client.post(page_path, data=_form_post(token), headers=applicant.headers)
    assert twice.status_code == 200
    assert number in BeautifulSoup(twice.text, "html.parser").find(id="confirmation").get_text()
    assert len((await client.get(f"/api/v1/t/{CODE}/cases", headers=applicant.headers)).json()) == 1


async def test_a_changed_service_item_is_read_again_not_served_from_the_cache(
    client: Client,
    citizens: Callable[[], Awaitable[Citizen]],
    service_item: dict[str, Any],
    admin_sql: psycopg.Connection,
    tag: str,
) -> None:
    """The app keeps service items by version; the claim reads the live version, so a
    change made elsewhere (another worker, a department's edit) is seen at once."""
    applicant = await citizens()
    path = f"/api/v1/t/{CODE}/services/{service_item['id']}/applications"
    payload = {"data": APPLICANT, "form": BUSINESS}

    async def issuer(n: int) -> str:
        made = await client.post(
            path, headers={**applicant.headers, "idempotency-key": f"v{n}-{tag}"}, json=payload
        )
        assert made.status_code == 201, made.text
        return str(_case_row(admin_sql, made.json()["case"]["number"])[4])

    assert await issuer(1) == service_item["dept_name"]  # read, then kept
    assert await issuer(2) == service_item["dept_name"]  # from the cache
    renamed = f"{service_item['dept_name']}（{tag}）"
    admin_sql.execute(
        "UPDATE records SET data = jsonb_set(data, '{dept_name}', to_jsonb(%s::text)),"
        " version = version + 1 WHERE id = %s",
        (renamed, service_item["id"]),
    )
    try:
        assert await issuer(3) == renamed
    finally:
        admin_sql.execute(
            "UPDATE records SET data = jsonb_set(data, '{dept_name}', to_jsonb(%s::text)),"
            " version = version + 1 WHERE id = %s",
            (service_item["dept_name"], service_item["id"]),
        )


async def test_two_citizens_sharing_a_masked_login_and_a_key_get_their_own_answers(
    client: Client,
    citizens: Callable[..., Awaitable[Citizen]],
    service_item: dict[str, Any],
    tag: str,
) -> None:
    """Both logins read 139****1234, and both clients chose the same Idempotency-Key: the
    key belongs to the account, so the second gets its own application, not the first's."""
    middle = int(tag, 16) % 10**4
    first = await citizens(f"139{middle:04d}1234")
    second = await citizens(f"139{(middle + 1) % 10**4:04d}1234")
    path = f"/api/v1/t/{CODE}/services/{service_item['id']}/applications"
    payload = {"data": APPLICANT, "form": BUSINESS}
    key = {"idempotency-key": f"shared-{tag}"}

    mine = await client.post(path, headers={**first.headers, **key}, json=payload)
    theirs = await client.post(path, headers={**second.headers, **key}, json=payload)

    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["case"]["number"] != mine.json()["case"]["number"]


async def test_an_application_spawns_no_task_for_its_dependencies(
    client: Client,
    citizens: Callable[[], Awaitable[Citizen]],
    service_item: dict[str, Any],
    tag: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Litestar resolves dependencies of the same depth in an anyio task group, a task
    each; the route asks for one chain (unit of work, then applications), so none."""
    from litestar._kwargs import kwargs_model

    groups: list[object] = []
    made_group = kwargs_model.create_task_group

    def counted() -> Any:
        groups.append(object())
        return made_group()

    monkeypatch.setattr(kwargs_model, "create_task_group", counted)
    citizen = await citizens()
    path = f"/api/v1/t/{CODE}/services/{service_item['id']}/applications"
    headers = {**citizen.headers, "idempotency-key": f"tasks-{tag}"}
    made = await client.post(path, headers=headers, json={"data": APPLICANT, "form": BUSINESS})
    assert made.status_code == 201, made.text
    assert made.json()["case"]["status"] == "submitted"
    assert groups == []
