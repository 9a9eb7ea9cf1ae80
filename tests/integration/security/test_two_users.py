"""Object level: a second user of the same tenant reaches nothing of the first user's objects.

Every guarded route with a path parameter other than `{code}` is classified from the
route table, so a new id-bearing route fails `test_every_id_bearing_route_is_classified`
until someone says how it is attacked:

- **walked here**: citizen A creates the object through its create route; citizen B
  (same tenant, signed in, holding the same `attachment` permissions but not the
  object) calls every route of the family with A's id, every method: 404.
  `attachments/{attachment_id}...` (created by `POST .../attachments`) and
  `jobs/{job_id}...` (the verification job that upload starts).
- **walked elsewhere**: `users/resets/{reset_id}/approve` (created by
  `POST .../users/resets`): the requesting administrator cannot approve their own
  reset (`identity.reset_same_admin`), in
  `tests/integration/policy/test_account_lifecycle.py::test_a_reset_needs_two_administrators_and_neither_holds_the_factors`.
  `cases/{number}...` (created by `POST .../cases`): another citizen reads and
  withdraws nothing of the applicant's case (404), in
  `tests/integration/runtime/cases/test_http.py::test_lifecycle_guard_and_race_over_http`.
  `admin/onboarding/jobs/{job}` (created by `POST .../admin/onboarding`): another
  province admin sees 404 for the first one's job, in
  `tests/integration/runtime/console/admin/test_admin_pages.py::test_onboarding_a_division_file_as_a_job`.
  `subtree/supervision/exports/{supervision_export_id}...` (created by
  `POST .../subtree/supervision/exports`, API and dashboard): another supervisor of the
  same tenant sees 404, in
  `tests/integration/runtime/supervision/test_exports.py::test_only_the_person_who_asked_downloads_the_file`.
  `records/{type_key}/{record_id}...` (created by `POST .../records/{type_key}`):
  records are department-scoped staff work; staff of another department of the
  same tenant are refused (`records.other_department`), in
  `tests/integration/runtime/test_records_http.py::test_versions_idempotency_history_and_departments_over_http`.
- Across tenants, every id-bearing route answers 404 (`test_cross_tenant.py`).
- **no create route yet**: `certificates/{identifier}/revoke` (a certificate is
  issued by the route engine when a case completes, never by a request).
- **not an object of a user**: the parameter names a type, a form, a service or a
  year shared by the tenant (`metadata/types/{key}`, `records/{type_key}` lists,
  `services/{service_item_id}/applications`, `calendar/{year}`), or an object the tenant
  holds rather than a person: a 督办 order (`supervision/orders/{order_id}/response`) is
  addressed to the region and answered by whoever handles its cases; a webhook
  subscriber (`webhooks/{subscriber_id}/...`) is the tenant's connection to a
  prefecture system, managed by whoever holds `webhook:write` there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tests.integration.http_client import client_for
from tests.integration.runtime.conftest import (  # noqa: F401  (fixtures)
    CHENGGUAN,
    Citizen,
    attachment_rows,
    citizens,
    running_app,
)
from tests.integration.runtime.uploads import upload
from tests.integration.security.routes import RouteCall, parameters, route_calls
from tests.unit.runtime.attachments import samples
from yiwang.platform.settings import Settings

pytestmark = pytest.mark.usefixtures("installed")

WALKED = {"attachment_id": "attachments", "job_id": "jobs"}
WALKED_ELSEWHERE = {
    "reset_id": "policy/test_account_lifecycle.py",
    "number": "runtime/cases/test_http.py",
    "record_id": "runtime/test_records_http.py",
    # another person's export answers 404 at its download route and its job's status
    "export_id": "runtime/test_exports.py",
    # another supervisor's cross-tenant export answers 404 at its download routes (API and
    # dashboard), its progress page and its job's status
    "supervision_export_id": "runtime/supervision/test_exports.py",
    # another person's import answers 404 at its progress page
    "import_id": "runtime/console/test_list_pages.py",
    # another person's onboarding job answers 404 at its progress page
    "job": "runtime/console/admin/test_admin_pages.py",
    # another enterprise's agent answers 404 to a revocation; acting for an enterprise that
    # did not name you, 404
    "agent_id": "runtime/test_legal_agents.py",
    "legal_id": "runtime/test_legal_agents.py",
}
NO_CREATE_ROUTE = {"identifier": "certificates"}
NOT_OWNED = {
    "key",
    "type_key",
    "service_item_id",
    "year",
    "form",
    "field",
    "order_id",
    "subscriber_id",
}


def _id_bearing(calls: list[RouteCall]) -> list[RouteCall]:
    return [c for c in calls if c.level != "public" and parameters(c.template)]


async def test_every_id_bearing_route_is_classified(migrated: Settings) -> None:
    async with client_for(migrated) as client:
        calls = _id_bearing(route_calls(client.app))
    known = set(WALKED) | set(WALKED_ELSEWHERE) | set(NO_CREATE_ROUTE)
    unclassified = [
        str(c)
        for c in calls
        if not (set(parameters(c.template)) & known)
        and not (set(parameters(c.template)) <= NOT_OWNED)
    ]
    assert len(calls) >= 10, len(calls)
    assert not unclassified, unclassified


async def test_a_second_citizen_reaches_no_route_of_the_first_ones_upload(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],  # noqa: F811
    attachment_rows: Callable[[], int],  # noqa: F811
) -> None:
    owner, other = await citizens(), await citizens()
    async with running_app(migrated) as app:
        done = await upload(app.client, owner.headers, samples.png())
        ids = {"attachment_id": done["attachment"]["id"], "job_id": done["job"]}
        family = [
            c
            for c in _id_bearing(route_calls(app.client.app))
            if set(parameters(c.template)) & set(WALKED)
        ]
        before = attachment_rows()
        answers = {}
        for call in family:
            path = call.template.replace("{code:str}", CHENGGUAN)
            for name, value in ids.items():
                path = path.replace(f"{{{name}:uuid}}", value).replace(f"{{{name}:str}}", value)
            resp = await app.client.request(
                call.method, path, headers=other.headers, follow_redirects=False
            )
            answers[str(call)] = resp.status_code
        # the owner still reaches the object: the refusal is about B, not a broken route
        mine = await app.client.get(
            f"/api/v1/t/{CHENGGUAN}/attachments/{ids['attachment_id']}", headers=owner.headers
        )
    assert len(family) >= 5, sorted(answers)
    assert answers == {name: 404 for name in answers}
    assert mine.status_code == 200, mine.text
    assert attachment_rows() == before
