"""The supervision dashboard over HTTP: the province's page and a prefecture's show their
own subtree only (another prefecture is the 404 an unknown code gets), drill-down by
links to a department's cases, citizens refused, signed-out browsers sent to sign in,
the report's XLSX figures equal to the metrics API's, the PDF, and the event stream."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pypdfium2 as pdfium
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.runtime.console.conftest import text_of
from tests.integration.runtime.supervision.conftest import AddCase, signed_in_staff
from tests.integration.security.people import phone_for, sign_in_citizen
from tests.integration.stack import Stack
from yiwang.app import Platform
from yiwang.platform.i18n import translate
from yiwang.runtime.supervision.dashboard import alerts
from yiwang.runtime.supervision.dashboard.figures import METRICS
from yiwang.tenants.tree import TenantTree

#: a month no other test writes cases in
AT = datetime(2031, 5, 6, 2, 0, tzinfo=UTC)
PERIOD = "2031-05"
HTML = {"accept": "text/html"}
JSON = {"accept": "application/json"}


@pytest.fixture
async def people(
    app: tuple[Litestar, Platform], services: Stack, cleanup: str
) -> AsyncIterator[tuple[AsyncTestClient[Litestar], dict[str, str], dict[str, str]]]:
    """A client, the province's supervisor and Lanzhou's (its subtree)."""
    litestar_app, platform = app
    async with AsyncTestClient(app=litestar_app) as client:
        province = await signed_in_staff(
            client,
            services,
            platform,
            f"prov.{cleanup}",
            [("province_supervisor", "620000", True)],
            "620000",
        )
        lanzhou = await signed_in_staff(
            client,
            services,
            platform,
            f"lz.{cleanup}",
            [("supervisor", "620100", True)],
            "620100",
        )
        client.cookies.clear()  # the bearer headers speak for each; no session cookie
        yield client, province, lanzhou


def _numbers(html: str, tag: str) -> set[str]:
    return set(re.findall(rf"\b\d{{6}}-{tag[:8]}-\d{{6}}\b", html))


def _cases(add_case: AddCase) -> None:
    """Four cases of the month: red and yellow in 城关区 (Lanzhou), red in 秦州区 (Tianshui),
    one completed on time in 七里河区."""
    due = date(2031, 5, 20)
    add_case("620102", 1, submitted_at=AT, colour="red", promised_due=due)
    add_case("620102", 2, submitted_at=AT + timedelta(hours=1), colour="yellow", promised_due=due)
    add_case("620502", 3, submitted_at=AT, colour="red", department="sthjj", promised_due=due)
    add_case(
        "620103",
        4,
        submitted_at=AT,
        status="completed",
        updated_at=AT + timedelta(days=2),
        promised_due=due,
    )


async def test_each_supervisor_sees_its_own_subtree_and_drills_down_to_a_case(
    people: Any, add_case: AddCase, cleanup: str
) -> None:
    client, province, lanzhou = people
    _cases(add_case)
    red_lz, yellow_lz, red_ts = (
        f"{c}-{cleanup[:8]}-{n:06d}" for c, n in (("620102", 1), ("620102", 2), ("620502", 3))
    )
    base = "/console/t/620000/subtree/supervision"
    page = await client.get(base, params={"period": PERIOD}, headers={**province, **HTML})
    assert page.status_code == 200, page.text
    html = page.text
    assert "甘肃省效能电子监察" in html
    # every prefecture is a row linking down; the lists hold both prefectures' red cases
    assert f"{base}?region=620100&amp;period={PERIOD}&amp;metric=on_time_rate" in html
    assert f"{base}?region=620500&amp;period={PERIOD}&amp;metric=on_time_rate" in html
    assert {red_lz, yellow_lz, red_ts} <= _numbers(html, cleanup)
    assert f'href="/console/t/620502/cases/{red_ts}"' in html
    assert 'id="chart-map"' in html and "echarts-6.1.0/echarts.min.js" in html
    # the console's one shell: the supervisor named, their sign-out, 指标 marked in the menu
    signed_in = translate("console.account.signed_in_as", name=f"prov.{cleanup}")
    assert signed_in in text_of(html)
    assert 'action="/console/signout"' in html
    assert 'href="/console/t/620000/supervision" aria-current="page"' in html

    # Lanzhou's supervisor: Lanzhou's counties only, no other prefecture anywhere
    lz_base = "/console/t/620100/subtree/supervision"
    own = await client.get(lz_base, params={"period": PERIOD}, headers={**lanzhou, **HTML})
    assert own.status_code == 200, own.text
    assert "城关区" in own.text and "七里河区" in own.text
    assert "天水市" not in own.text and "秦州区" not in own.text
    assert _numbers(own.text, cleanup) == {red_lz, yellow_lz}

    # another prefecture as a region: exactly the answer an unknown code gets
    answers = []
    for region in ("620500", "629999"):
        resp = await client.get(lz_base, params={"region": region}, headers={**lanzhou, **JSON})
        error = resp.json()["error"]
        answers.append((resp.status_code, error["code"], error["message"].replace(region, "?")))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (404, "dashboard.region_not_found")
    # as the path's tenant: the guard's 404 (its code tells a tenant it cannot reach,
    # `not_found`, from one that does not exist, `tenant.not_found`, as on every route)
    for code in ("620500", "629999"):
        resp = await client.get(
            f"/console/t/{code}/subtree/supervision", headers={**lanzhou, **JSON}
        )
        assert resp.status_code == 404
        assert "天水" not in resp.text
    stream = await client.get(
        f"{lz_base}/alerts", params={"region": "620502"}, headers={**lanzhou, **JSON}
    )
    assert stream.status_code == 404

    # drill down: prefecture → county → department → its cases → the case's page
    county = await client.get(
        lz_base, params={"region": "620102", "period": PERIOD}, headers={**lanzhou, **HTML}
    )
    assert county.status_code == 200
    cases_link = f"{lz_base}/cases?region=620102&amp;period={PERIOD}&amp;department=scjgj"
    assert cases_link in county.text
    listing = await client.get(
        f"{lz_base}/cases",
        params={"region": "620102", "period": PERIOD, "department": "scjgj"},
        headers={**lanzhou, **HTML},
    )
    assert listing.status_code == 200
    assert _numbers(listing.text, cleanup) == {red_lz, yellow_lz}
    assert f'href="/console/t/620102/cases/{red_lz}"' in listing.text

    # a metric the page does not know is refused at its pointer
    bad = await client.get(lz_base, params={"metric": "x"}, headers={**lanzhou, **JSON})
    assert bad.status_code == 422
    assert [e["pointer"] for e in bad.json()["error"]["errors"]] == ["/metric"]


async def test_citizens_are_refused_and_signed_out_browsers_sent_to_sign_in(
    app: tuple[Litestar, Platform], installed: TenantTree, cleanup: str, tmp_path: Path
) -> None:
    litestar_app, _ = app
    async with AsyncTestClient(app=litestar_app) as client:
        base = "/console/t/620000/subtree/supervision"
        anonymous = await client.get(
            base, params={"period": PERIOD}, headers=HTML, follow_redirects=False
        )
        assert anonymous.status_code == 303
        assert anonymous.headers["location"] == (f"/console/signin?next={base}%3Fperiod%3D{PERIOD}")
        assert (await client.get(base, headers=JSON)).status_code == 401
        entry = await client.get(
            "/console/t/620000/supervision", headers=HTML, follow_redirects=False
        )
        assert entry.status_code == 303
        assert entry.headers["location"].startswith("/console/signin?next=")
        citizen = await sign_in_citizen(client, tmp_path, phone_for(cleanup, 5))
        client.cookies.clear()
        for path in ("", "/cases", "/alerts", "/report.xlsx", "/report.pdf"):
            refused = await client.get(base + path, headers={**citizen, **HTML})
            assert refused.status_code == 403, path
            assert "text/html" in refused.headers["content-type"]


async def test_the_report_holds_the_metrics_apis_figures(
    people: Any, add_case: AddCase, cleanup: str
) -> None:
    client, _, lanzhou = people
    _cases(add_case)
    entry = await client.get(
        "/console/t/620100/supervision",
        params={"period": PERIOD, "region": "620102"},
        headers={**lanzhou, **HTML},
        follow_redirects=False,
    )
    assert entry.status_code == 303
    assert entry.headers["location"] == (
        f"/console/t/620100/subtree/supervision?period={PERIOD}&region=620102"
    )
    base = "/console/t/620100/subtree/supervision"
    xlsx = await client.get(
        f"{base}/report.xlsx", params={"region": "620100", "period": PERIOD}, headers=lanzhou
    )
    assert xlsx.status_code == 200, xlsx.text
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    by_name = {str(r[1]): dict(zip(header, r, strict=True)) for r in rows[1:]}

    api = "/api/v1/t/620100/subtree/supervision/metrics"
    total = (
        await client.get(api, params={"period": PERIOD, "by": "total"}, headers=lanzhou)
    ).json()
    county = (
        await client.get(
            api,
            params={"period": PERIOD, "by": "tenant", "filter.tenant": "620102"},
            headers=lanzhou,
        )
    ).json()
    labels = dict(zip(METRICS, header[2:], strict=True))
    assert total["items"][0]["cases"] == 3  # Lanzhou's three, not Tianshui's
    for metric in METRICS:
        assert by_name["兰州市"][labels[metric]] == total["items"][0][metric], metric
        assert by_name["城关区"][labels[metric]] == county["items"][0][metric], metric
    assert by_name["城关区"][labels["red_now"]] == 1
    assert "天水市" not in by_name and "秦州区" not in by_name

    pdf = await client.get(
        f"{base}/report.pdf", params={"region": "620102", "period": PERIOD}, headers=lanzhou
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    document = pdfium.PdfDocument(pdf.content)
    text = "".join(str(document[i].get_textpage().get_text_range()) for i in range(len(document)))
    assert f"城关区效能电子监察月度报告（{PERIOD}）" in text
    assert "按时办结率" in text


async def test_the_alert_stream_sends_the_lists_then_closes(
    people: Any, add_case: AddCase, cleanup: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _, lanzhou = people
    _cases(add_case)
    monkeypatch.setattr(alerts, "STREAM_SECONDS", 1.0)
    monkeypatch.setattr(alerts, "POLL_SECONDS", 0.2)
    started = asyncio.get_running_loop().time()
    resp = await client.get(
        "/console/t/620100/subtree/supervision/alerts",
        params={"region": "620102"},
        headers={**lanzhou, "accept": "text/event-stream"},
    )
    elapsed = asyncio.get_running_loop().time() - started
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/event-stream")
    # nothing changed while it ran: one event, then the stream ended by itself
    assert resp.text.count("event: alerts") == 1
    assert "retry: 1000" in resp.text
    assert 0.8 < elapsed < 10
    assert f"{'620102'}-{cleanup[:8]}-000001" in resp.text
