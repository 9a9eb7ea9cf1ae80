"""An application's round trips to PostgreSQL, counted on the wire (the relay of
`tests/integration/platform/test_round_trips.py`), and what the unit ending with its case
statement still guarantees: the audit record naming the case, the idempotent answer with
its number, no record without its case.

Once the case statement is prepared on the connection (psycopg's threshold), it goes with
the unit's audit append and COMMIT in one pipeline: the application is three turns (the
guard's and the service item's reads come from memory): claim, record and history with
their BEGIN and scope; the case with the audit append and COMMIT; psycopg's idle
connection's check-in sends nothing. Before, the case was a turn of its own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url

from tests.integration.http_client import client_for
from tests.integration.platform.test_round_trips import Relay
from tests.integration.runtime.conftest import Citizen
from tests.integration.runtime.test_applications import service_item  # noqa: F401  (a fixture)
from tests.integration.runtime.test_records import APPLICANT, BUSINESS
from yiwang.platform.database import PREPARE_THRESHOLD
from yiwang.platform.settings import Settings
from yiwang.runtime.cases.repository import _CASE_COLUMNS

CODE = "620102"
#: a case's columns besides tenant and number
_COLUMNS = _CASE_COLUMNS


class _RelayThread:
    """The relay on an event loop of its own, in a thread: the app's start-up connects
    synchronously too, which would block a relay served by the test's own loop."""

    def __init__(self, host: str, port: int) -> None:
        self.relay = Relay(host, port)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> int:
        self.thread.start()
        return asyncio.run_coroutine_threadsafe(self.relay.start(), self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.relay.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
async def relayed_client(
    migrated: Settings, samples: dict[str, Any]
) -> AsyncIterator[tuple[AsyncTestClient[Litestar], Relay]]:
    """The app on a pool of one connection, through the counting relay."""
    url = make_url(migrated.database_url)
    relay = _RelayThread(url.host or "127.0.0.1", url.port or 5432)
    port = relay.start()
    relayed = url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    try:
        async with client_for(migrated, database_url=relayed, database_pool_size=1) as client:
            yield client, relay.relay
    finally:
        relay.stop()


@pytest.fixture
def made_cases(admin_sql: psycopg.Connection) -> Iterator[list[str]]:
    """The numbers of the cases a test makes: their open tasks are closed after it, so a
    clerk's inbox of other tests does not begin with them."""
    numbers: list[str] = []
    yield numbers
    admin_sql.execute(
        "DELETE FROM case_tasks t USING cases c WHERE t.tenant_id = c.tenant_id"
        " AND t.case_id = c.id AND c.number = ANY(%s)",
        (numbers,),
    )


def _audit_of(admin_sql: psycopg.Connection, number: str) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in admin_sql.execute(
            "SELECT actor, action, object_type, object_id, outcome, detail FROM audit_log"
            " WHERE object_type = 'case' AND object_id = %s ORDER BY seq",
            (number,),
        ).fetchall()
    ]


async def test_an_application_sends_its_case_with_the_commit(
    relayed_client: tuple[AsyncTestClient[Litestar], Relay],
    citizens: Callable[[], Awaitable[Citizen]],
    service_item: dict[str, Any],  # noqa: F811  (the fixture imported above)
    admin_sql: psycopg.Connection,
    tag: str,
    made_cases: list[str],
) -> None:
    client, relay = relayed_client
    applicant = await citizens()
    path = f"/api/v1/t/{CODE}/services/{service_item['id']}/applications"
    payload = {"data": APPLICANT, "form": BUSINESS}
    turns, bodies = [], []
    for i in range(PREPARE_THRESHOLD + 5):
        headers = {**applicant.headers, "idempotency-key": f"turns-{tag}-{i}"}
        relay.turns = 0
        made = await client.post(path, headers=headers, json=payload)
        turns.append(relay.turns)
        assert made.status_code == 201, made.text
        bodies.append(made.json())
        made_cases.append(made.json()["case"]["number"])
    # the last ones: the case statement prepared, sent with the audit append and COMMIT
    # the last ones: the case statement prepared, sent with the audit append and COMMIT;
    # before, the case was a turn of its own (3)
    assert turns[-3:] == [2, 2, 2], turns
    numbers = [b["case"]["number"] for b in bodies]
    serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert serials == list(range(serials[0], serials[0] + len(serials)))  # unique, gapless
    audited = []
    for i, body in enumerate(bodies):
        number = body["case"]["number"]
        row = admin_sql.execute("SELECT record_id FROM cases WHERE number = %s", (number,))
        assert row.fetchone() == (body["id"],)
        # its one audit record names it (read on the server when the case went with the
        # COMMIT), as the case's own turn wrote it
        (one,) = _audit_of(admin_sql, number)
        assert one[1:5] == ("case.submitted", "case", number, "success")
        audited.append((one[0], *one[1:3], *one[4:]))
        # a replay answers the first body, the case number in it
        headers = {**applicant.headers, "idempotency-key": f"turns-{tag}-{i}"}
        again = await client.post(path, headers=headers, json=payload)
        assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
        assert again.json() == body
    assert all(a == audited[0] for a in audited), audited  # the same record either way


async def test_a_case_statement_failing_with_the_commit_rolls_the_application_back(
    relayed_client: tuple[AsyncTestClient[Litestar], Relay],
    citizens: Callable[[], Awaitable[Citizen]],
    service_item: dict[str, Any],  # noqa: F811  (the fixture imported above)
    admin_sql: psycopg.Connection,
    tag: str,
    made_cases: list[str],
) -> None:
    """The next number taken by a row the counter does not know of: the case statement sent
    with the audit append and COMMIT violates the unique index, the append and COMMIT are
    skipped, and the unit rolls back: a 409 as before, no record, no audit, no serial used."""
    client, _ = relayed_client
    applicant = await citizens()
    path = f"/api/v1/t/{CODE}/services/{service_item['id']}/applications"
    payload = {"data": APPLICANT, "form": BUSINESS}
    for i in range(PREPARE_THRESHOLD + 2):  # the case statement prepared on the connection
        headers = {**applicant.headers, "idempotency-key": f"warm-{tag}-{i}"}
        made = await client.post(path, headers=headers, json=payload)
        assert made.status_code == 201, made.text
        made_cases.append(made.json()["case"]["number"])
    last = made.json()["case"]["number"]
    prefix, serial = last.rsplit("-", 1)
    squatted = f"{prefix}-{int(serial) + 1:06d}"
    admin_sql.execute(
        f"INSERT INTO cases (tenant_id, number, {_COLUMNS})"
        f" SELECT tenant_id, %s, {_COLUMNS.replace('record_id', 'NULL')} FROM cases"
        " WHERE number = %s",
        (squatted, last),
    )
    audits = admin_sql.execute("SELECT count(*) FROM audit_log").fetchone()
    records = admin_sql.execute("SELECT count(*) FROM records").fetchone()
    headers = {**applicant.headers, "idempotency-key": f"squat-{tag}"}
    refused = await client.post(path, headers=headers, json=payload)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "cases.already_submitted"
    assert admin_sql.execute("SELECT count(*) FROM audit_log").fetchone() == audits
    assert admin_sql.execute("SELECT count(*) FROM records").fetchone() == records
    kept = admin_sql.execute(
        "SELECT count(*) FROM record_idempotency WHERE key = %s", (f"squat-{tag}",)
    ).fetchone()
    assert kept == (0,)
    admin_sql.execute("DELETE FROM cases WHERE number = %s", (squatted,))
    # the connection serves on; the serial the refused one took is the next one's
    again = await client.post(path, headers=headers, json=payload)
    assert again.status_code == 201, again.text
    assert again.json()["case"]["number"] == squatted
    made_cases.append(squatted)
    (one,) = _audit_of(admin_sql, squatted)
    assert one[1:5] == ("case.submitted", "case", squatted, "success")
