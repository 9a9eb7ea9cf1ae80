"""Staff writing records over the API name only the uploads they made themselves; what
a record already holds stays through an update. A multi-file field (a complaint's 证据材料),
against the real services: refused at its pointer with nothing stored, and the stored
value the server's, whatever the client claimed."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.integration.runtime.cases.licensing import DEPT
from tests.integration.runtime.conftest import CHENGGUAN, running_app
from tests.integration.runtime.portal.test_attachment_refusals import refusal
from tests.integration.runtime.uploads import upload
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from tests.unit.runtime.attachments import samples
from yiwang.platform.settings import Settings

pytestmark = pytest.mark.usefixtures("installed")

BASE = f"/api/v1/t/{CHENGGUAN}/records/complaint"
EVIDENCE = {"type": "complaint", "field": "evidence"}


def complaint(*evidence: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": {
            "anonymous": True,
            "complaint_kind": "efficiency",
            "content": "窗口办理时间过长，多次往返仍未办结。",
            "department": DEPT,
            "evidence": list(evidence),
        }
    }


async def test_staff_name_their_own_uploads_and_keep_what_a_record_holds(
    migrated: Settings, services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    grants = [("dept_leader", CHENGGUAN, False)]
    async with running_app(migrated) as app:
        client = app.client
        first = await sign_in(
            client,
            f"a.{cleanup}",
            await make_staff(services, f"a.{cleanup}", CHENGGUAN, grants, DEPT),
        )
        client.cookies.clear()
        second = await sign_in(
            client,
            f"b.{cleanup}",
            await make_staff(services, f"b.{cleanup}", CHENGGUAN, grants, DEPT),
        )
        client.cookies.clear()

        async def value(headers: dict[str, str]) -> dict[str, Any]:
            done = await upload(client, headers, samples.png(), name="截图.png", **EVIDENCE)
            read = await client.get(
                f"/api/v1/t/{CHENGGUAN}/attachments/{done['attachment']['id']}", headers=headers
            )
            found: dict[str, Any] = read.json()["value"]
            assert found is not None, read.text
            return found

        theirs, mine, more = await value(first), await value(second), await value(second)

        def count() -> int:
            row = admin_sql.execute(
                "SELECT count(*) FROM records WHERE type_key = 'complaint' AND data::text LIKE %s",
                ("%" + theirs["key"] + "%",),
            ).fetchone()
            assert row is not None
            return int(row[0])

        # another staff member's upload: refused at the file's pointer, nothing stored
        refused = await client.post(
            BASE,
            json=complaint(mine, theirs),
            headers={**second, "idempotency-key": f"c1-{cleanup}"},
        )
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert (error["code"], error["pointer"], error["message"]) == (
            "attachments.reference_invalid",
            "/data/evidence/1",
            refusal("not_owner"),
        )
        assert count() == 0

        # their own upload with a forged size, type and hash: stored as measured
        forged = {**mine, "size": 3, "content_type": "application/pdf", "sha256": "f" * 64}
        made = await client.post(
            BASE, json=complaint(forged), headers={**second, "idempotency-key": f"c2-{cleanup}"}
        )
        assert made.status_code == 201, made.text
        record = made.json()
        stored = admin_sql.execute(
            "SELECT data -> 'evidence', version FROM records WHERE id = %s", (record["id"],)
        ).fetchone()
        assert stored == ([mine], 1)

        # the other staff member updates it: the file it holds stays, their own is added
        url = f"{BASE}/{record['id']}"
        kept = await client.put(
            url,
            json=complaint(forged, {**theirs, "size": 9}),
            headers={**first, "if-match": '"1"'},
        )
        assert kept.status_code == 200, kept.text
        # a file the record never held, uploaded by someone else: refused, nothing changed
        stolen = await client.put(
            url,
            json=complaint(mine, theirs, more),
            headers={**first, "if-match": '"2"'},
        )
        assert stolen.status_code == 422, stolen.text
        assert stolen.json()["error"]["pointer"] == "/data/evidence/2"
        assert stolen.json()["error"]["message"] == refusal("not_owner")
    after = admin_sql.execute(
        "SELECT data -> 'evidence', version FROM records WHERE id = %s", (record["id"],)
    ).fetchone()
    assert after == ([mine, theirs], 2)
    for table in ("record_idempotency", "record_history"):
        admin_sql.execute(f"DELETE FROM {table} WHERE record_id = %s", (record["id"],))
    admin_sql.execute("DELETE FROM records WHERE id = %s", (record["id"],))
