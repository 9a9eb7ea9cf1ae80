"""Who may reach an attachment: the person who uploaded it and the tenant's staff, through
the guard's `attachment` object; nobody of another tenant; nobody anonymous."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.integration.runtime.conftest import CHENGGUAN, QILIHE, Citizen, running_app
from tests.integration.runtime.uploads import begin, upload
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from tests.unit.runtime.attachments import samples
from yiwang.platform.settings import Settings

pytestmark = pytest.mark.usefixtures("installed")


def _routes(
    attachment_id: str, code: str = CHENGGUAN
) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/api/v1/t/{code}/attachments"
    start = {
        "type": "food_business_license",
        "field": "layout_plan",
        "name": "a.png",
        "size": 10,
        "content_type": "image/png",
    }
    return [
        ("POST", base, start),
        ("POST", f"{base}/{attachment_id}/complete", None),
        ("GET", f"{base}/{attachment_id}", None),
        ("GET", f"{base}/{attachment_id}/download", None),
        ("GET", f"/api/v1/jobs/verify_attachment:1:{uuid.UUID(attachment_id).hex}", None),
        ("GET", f"/api/v1/jobs/verify_attachment:1:{uuid.UUID(attachment_id).hex}/events", None),
    ]


async def test_an_anonymous_caller_reaches_no_route(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
) -> None:
    citizen = await citizens()
    async with running_app(migrated) as app:
        done = await upload(app.client, citizen.headers, samples.png())
        before = attachment_rows()
        answers = []
        for method, path, body in _routes(done["attachment"]["id"]):
            resp = await app.client.request(method, path, json=body, follow_redirects=False)
            answers.append((method, path, resp.status_code, resp.json()["error"]["code"]))
    assert [(s, c) for _, _, s, c in answers] == [(401, "auth.required")] * 6
    assert attachment_rows() == before


async def test_a_citizen_uses_each_route_for_their_own_upload(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
) -> None:
    citizen = await citizens()
    body = samples.png()
    async with running_app(migrated) as app:
        started = await begin(
            app.client, citizen.headers, name="a.png", size=len(body), content_type="image/png"
        )
        assert started.status_code == 201
        done = await upload(app.client, citizen.headers, body)
        attachment_id = done["attachment"]["id"]
        base = f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}"
        again = await app.client.post(f"{base}/complete", headers=citizen.headers)
        read = await app.client.get(base, headers=citizen.headers)
        link = await app.client.get(
            f"{base}/download", headers=citizen.headers, follow_redirects=False
        )
        job = await app.client.get(f"/api/v1/jobs/{done['job']}", headers=citizen.headers)
    # Completing twice answers the state reached; the job ran inline and is readable.
    assert (again.status_code, again.json()["attachment"]["status"], again.json()["job"]) == (
        200,
        "verified",
        None,
    )
    assert (read.status_code, read.json()["status"]) == (200, "verified")
    assert link.status_code == 303
    assert job.status_code == 200, job.text
    assert (job.json()["state"], job.json()["result"]) == (
        "complete",
        {"status": "verified", "reason": None},
    )


async def test_another_citizen_sees_nothing_of_it(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
) -> None:
    owner, other = await citizens(), await citizens()
    async with running_app(migrated) as app:
        done = await upload(app.client, owner.headers, samples.png())
        answers = []
        for method, path, body in _routes(done["attachment"]["id"])[1:4]:
            resp = await app.client.request(
                method, path, json=body, headers=other.headers, follow_redirects=False
            )
            answers.append((resp.status_code, resp.json()["error"]["code"]))
        job = await app.client.get(f"/api/v1/jobs/{done['job']}", headers=other.headers)
    assert answers == [(404, "attachments.not_found")] * 3
    assert (job.status_code, job.json()["error"]["code"]) == (404, "jobs.not_found")


async def test_a_file_of_another_tenant_is_not_found(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
) -> None:
    """The same citizen, asking through another county's path: row-level security hides
    the row, and the answer is the one for an attachment that does not exist."""
    citizen = await citizens()
    async with running_app(migrated) as app:
        done = await upload(app.client, citizen.headers, samples.png())
        answers = []
        for method, path, body in _routes(done["attachment"]["id"], QILIHE)[1:4]:
            resp = await app.client.request(
                method, path, json=body, headers=citizen.headers, follow_redirects=False
            )
            answers.append((resp.status_code, resp.json()["error"]["code"]))
    assert answers == [(404, "attachments.not_found")] * 3


async def test_staff_of_the_tenant_read_it_and_staff_elsewhere_find_nothing(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    services: Stack,
    cleanup: str,
    attachment_rows: Callable[[], int],
) -> None:
    citizen = await citizens()
    clerk = await make_staff(
        services, f"clerk.{cleanup}", CHENGGUAN, [("window_clerk", CHENGGUAN, False)]
    )
    outsider = await make_staff(
        services, f"far.{cleanup}", QILIHE, [("window_clerk", QILIHE, False)]
    )
    operator = await make_staff(
        services, f"op.{cleanup}", CHENGGUAN, [("county_operator", CHENGGUAN, False)]
    )
    async with running_app(migrated) as app:
        done = await upload(app.client, citizen.headers, samples.png())
        path = f"/api/v1/t/{CHENGGUAN}/attachments/{done['attachment']['id']}"
        as_clerk = await app.client.get(
            path, headers=await sign_in(app.client, f"clerk.{cleanup}", clerk)
        )
        as_outsider = await app.client.get(
            path, headers=await sign_in(app.client, f"far.{cleanup}", outsider)
        )
        op_headers = await sign_in(app.client, f"op.{cleanup}", operator)
        as_operator = await app.client.get(path, headers=op_headers)
        start = await begin(app.client, op_headers, name="a.png", size=10, content_type="image/png")
    assert (as_clerk.status_code, as_clerk.json()["status"]) == (200, "verified")
    assert (as_outsider.status_code, as_outsider.json()["error"]["code"]) == (404, "not_found")
    # A county operator holds no `attachment` permission (least privilege).
    assert (as_operator.status_code, as_operator.json()["error"]["code"]) == (403, "auth.forbidden")
    assert (start.status_code, start.json()["error"]["code"]) == (403, "auth.forbidden")
