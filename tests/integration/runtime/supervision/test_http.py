"""The supervision API over HTTP: a prefecture's supervisor over its subtree, nothing
of another prefecture (404, as for an unknown one), bad input with pointers (exports,
a job: `test_exports.py`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.runtime.supervision.conftest import AddCase
from tests.integration.runtime.supervision.conftest import signed_in_staff as _staff
from tests.integration.stack import Stack

AT = datetime(2027, 3, 3, 2, 0, tzinfo=UTC)


async def test_a_prefecture_supervisor_over_http(
    app: Any, services: Stack, cleanup: str, add_case: AddCase
) -> None:
    litestar_app, platform = app
    tag = cleanup
    add_case("620102", 1, submitted_at=AT, status="in_review", colour="red")
    add_case("620103", 2, submitted_at=AT + timedelta(minutes=1), status="completed")
    async with AsyncTestClient(app=litestar_app) as client:
        lanzhou = await _staff(
            client, services, platform, f"sup.{tag}", [("supervisor", "620100", True)], "620100"
        )
        clerk = await _staff(
            client,
            services,
            platform,
            f"clerk.{tag}",
            [("window_clerk", "620102", False)],
            "620102",
        )
        client.cookies.clear()
        base = "/api/v1/t/620100/subtree/supervision"
        since = {"filter.submitted_at.gte": AT.isoformat()}
        page = await client.get(f"{base}/cases", params=since, headers=lanzhou)
        assert page.status_code == 200, page.text
        ours = [r for r in page.json()["items"] if tag[:8] in r["number"]]
        assert [r["tenant"]["code"] for r in ours] == ["620103", "620102"]
        metrics = await client.get(
            f"{base}/metrics", params={"period": "2027-03", "by": "level"}, headers=lanzhou
        )
        assert metrics.status_code == 200, metrics.text
        county = next(i for i in metrics.json()["items"] if i["level"] == "county")
        assert county["cases"] >= 2 and county["red_now"] >= 1
        # another prefecture: 404, exactly as an unknown tenant
        other = await client.get("/api/v1/t/620200/subtree/supervision/cases", headers=lanzhou)
        unknown = await client.get("/api/v1/t/629999/subtree/supervision/cases", headers=lanzhou)
        assert (other.status_code, unknown.status_code) == (404, 404)
        # a clerk handles cases but does not supervise them
        refused = await client.get("/api/v1/t/620102/subtree/supervision/cases", headers=clerk)
        assert refused.status_code == 403
        assert (await client.get(f"{base}/cases")).status_code == 401
        bad = await client.get(
            f"{base}/counts", params={"group": "x_school", "period": "2027-13"}, headers=lanzhou
        )
        assert bad.status_code == 422
        assert [(e["code"], e["pointer"]) for e in bad.json()["error"]["errors"]] == [
            ("supervision.group_unindexed", "/group"),
            ("supervision.period_invalid", "/period"),
        ]
