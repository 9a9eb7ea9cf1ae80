"""One path for every change: the command line, in another process, changes the registry,
the calendars and the metadata, and the running server shows each change within a second
(through Redis), or within its poll interval when Redis is away.

The real server runs as a subprocess (`yiwang serve`), as in production; every change is a
real `yiwang` command. Policy changes (grant, revoke, deny) are proven the same way in
`tests/integration/policy/test_policy_reaches_the_server.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.integration.provinces import SHIYAN
from tests.integration.server_process import (
    NO_REDIS,
    WITHIN_POLL,
    WITHIN_REDIS,
    cli,
    seen_within,
    status,
)
from yiwang.platform.settings import Settings


def descriptor_hash(base: str, code: str) -> str:
    resp = httpx.get(f"{base}/api/v1/t/{code}/forms/food_business_license/apply", timeout=2)
    return str(resp.json()["content_hash"]) if resp.status_code == 200 else ""


@pytest.mark.parametrize(
    ("redis", "within"), [("up", WITHIN_REDIS), ("down", WITHIN_POLL)], ids=["redis", "no-redis"]
)
def test_every_kind_of_change_from_the_command_line_reaches_the_server(
    migrated: Settings,
    server: Callable[[str], tuple[str, dict[str, str]]],
    purge_shiyan: None,
    tmp_path: Path,
    redis: str,
    within: float,
) -> None:
    redis_url = migrated.redis_url if redis == "up" else NO_REDIS
    base, env = server(redis_url)
    divisions = tmp_path / "shiyan.csv"
    divisions.write_text(SHIYAN, encoding="utf-8")
    timings: dict[str, float] = {}

    assert status(base, "/r/990102/") == 404
    cli(env, "tenants", "onboard", "--divisions", str(divisions), "--template", "standard")
    timings["onboard"] = seen_within(within, lambda: status(base, "/r/990102/") == 200)

    cli(env, "tenants", "suspend", "990102")
    timings["suspend"] = seen_within(within, lambda: status(base, "/r/990102/") == 503)
    cli(env, "tenants", "resume", "990102")
    timings["resume"] = seen_within(within, lambda: status(base, "/r/990102/") == 200)
    cli(env, "tenants", "archive", "990201", "--confirm", "乙市一县")
    timings["archive"] = seen_within(within, lambda: status(base, "/r/990201/") == 503)

    year = tmp_path / "2027.csv"
    year.write_text("date,kind,name\n2027-01-01,holiday,元旦\n", encoding="utf-8")
    cli(env, "calendar", "import", "--tenant", "990000", "--year", "2027", str(year))
    timings["calendar import"] = seen_within(
        within,
        lambda: (
            httpx.get(f"{base}/api/v1/t/990102/calendar/2027", timeout=2).json()
            == [{"day": "2027-01-01", "kind": "holiday", "name": "元旦"}]
        ),
    )

    hashes = [descriptor_hash(base, "990102")]
    assert hashes[0]
    for days in (6, 5):
        overlay = tmp_path / f"overlay-{days}.yaml"
        overlay.write_text(
            'tenant: "990102"\nlabel: 甲市一区扩展\ndocuments:\n  food_business_license:\n'
            f"    routes:\n      licensing:\n        promised_days: {days}\n",
            encoding="utf-8",
        )
        cli(env, "metadata", "import", str(overlay), "--tenant", "990102")
        cli(env, "metadata", "publish", "--tenant", "990102", "--yes")
        timings[f"metadata publish ({days} days)"] = seen_within(
            within, lambda: descriptor_hash(base, "990102") not in ("", *hashes)
        )
        hashes.append(descriptor_hash(base, "990102"))
    cli(env, "metadata", "rollback", "--tenant", "990102", "--yes")
    timings["metadata rollback"] = seen_within(
        within, lambda: descriptor_hash(base, "990102") == hashes[1]
    )
    assert max(timings.values()) <= within, timings
