"""A schemathesis run over the application's own OpenAPI, in process (ASGI).

Every operation of `/schema/openapi.json` gets a bounded, derandomized batch of
generated requests, once as a county operator (`county_operator` at the county
below, signed in with password and TOTP) and once as a citizen signed in by SMS.
Each answer must not be a 5xx and must match the response the operation
documents (status, content type, body schema). Failures are collected over every
operation, so one run lists them all.

The operator works in 620122 (皋兰县), a county no other test reads: a fuzzed
publish or rollback changes that county's model, and the accounts and rules the
run creates there are removed afterwards. Every `{code}` is pinned to it, so
the requests reach the handlers instead of stopping at "unknown tenant".

The 5xx the run found are kept as plain regression tests in
`test_fuzz_regressions.py`, each sending the exact input.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.http_client import client_for
from tests.integration.security.people import phone_for, sign_in_citizen
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.app import create_app
from yiwang.platform.settings import Settings
from yiwang.tenants.tree import TenantTree

COUNTY = "620122"
#: generated requests per operation and caller, bounded for the suite's ten minutes: every
#: operation is reached by both callers in both modes; the 5xx earlier, longer runs found are
#: kept in `test_fuzz_regressions.py` (25 a batch took two minutes of the suite)
EXAMPLES = 10
#: valid requests reach the handlers; invalid ones test the edge's refusals
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


LOGOUT = "POST /api/v1/auth/logout"
#: the operations that answer 401 to a signed-in caller (a wrong password or code)
SIGN_IN = frozenset(
    {
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/sms/login",
        "POST /api/v1/auth/activation",
        "POST /api/v1/auth/activation/confirm",
    }
)


def _pin(case: Any) -> Any:
    if case.path_parameters and "code" in case.path_parameters:
        case.path_parameters["code"] = COUNTY
    return case


def fuzz(app: Any, headers: dict[str, str]) -> tuple[Counter[tuple[str, int]], list[str]]:
    """Every operation of the app's schema, a bounded batch each: (answers, failures)."""
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    answers: Counter[tuple[str, int]] = Counter()
    failures: list[str] = []
    operations = []
    for result in schema.get_all_operations():
        # an operation schemathesis cannot read is a defect of our schema, not a skip
        assert isinstance(result, Ok), result.err()
        operations.append(result.ok())
    # signing out ends the caller's session: that operation goes last
    operations.sort(key=lambda op: op.label == LOGOUT)
    for operation in operations:
        strategy = st.one_of(
            [operation.as_strategy(generation_mode=mode).map(_pin) for mode in MODES]
        )

        @hypothesis.settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            answers[(case.operation.label, response.status_code)] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except (FailureGroup, AssertionError) as exc:
                failures.append(
                    f"{case.operation.label}: {response.status_code} "
                    f"{case.as_curl_command(headers=headers)}\n  {str(exc)[:600]}"
                )

        run()
    # bounded, and still no operation left out
    unanswered = {op.label for op in operations} - {label for label, _ in answers}
    assert not unanswered, sorted(unanswered)
    return answers, failures


@pytest.fixture
def county_left_as_found(admin_sql: psycopg.Connection, gansu: dict[str, int]) -> Iterator[float]:
    """Removes what the fuzzed writes left in the county: accounts, their rules, denies."""
    started = time.time()
    yield started
    county = gansu[COUNTY]
    ids = [
        r[0]
        for r in admin_sql.execute(
            "SELECT id FROM accounts WHERE tenant_id = %s AND created_at >= to_timestamp(%s)",
            (county, started),
        ).fetchall()
    ]
    admin_sql.execute("DELETE FROM casbin_rule WHERE v0 = ANY(%s)", ([f"user:{i}" for i in ids],))
    admin_sql.execute("DELETE FROM account_activations WHERE account_id = ANY(%s)", (ids,))
    admin_sql.execute("DELETE FROM accounts WHERE id = ANY(%s)", (ids,))


async def test_no_operation_answers_5xx_or_off_schema(
    migrated: Settings,
    installed: TenantTree,
    services: Stack,
    cleanup: str,
    tmp_path: Path,
    county_left_as_found: float,
) -> None:
    login = f"fuzz.{cleanup}"
    secret = await make_staff(services, login, COUNTY, [("county_operator", COUNTY, False)])
    async with client_for(migrated, var_dir=tmp_path) as client:
        callers = {
            "county operator": await sign_in(client, login, secret),
            "citizen": await sign_in_citizen(client, tmp_path, phone_for(cleanup)),
        }
    app = create_app(migrated)
    report: list[str] = []
    try:
        for who, headers in callers.items():
            answers, failures = await asyncio.to_thread(fuzz, app, headers)
            report += [f"[{who}] {f}" for f in failures]
            # the caller stayed signed in throughout, so the run reached past the guard
            unauthenticated = {op for op, status in answers if status == 401} - SIGN_IN
            assert not unauthenticated, (who, sorted(unauthenticated))
            operations = {op for op, _ in answers}
            assert len(operations) >= 40 and LOGOUT in operations, (who, len(operations))
            assert sum(answers.values()) >= len(operations) * 2, (who, sum(answers.values()))
    finally:
        await asyncio.to_thread(asgi.shutdown_lifespans)
    assert not report, f"{len(report)} failures:\n" + "\n".join(report)


@get("/broken", opt={"public": True})
async def broken() -> dict[str, str]:
    raise RuntimeError("a bug")


@get("/off-schema", opt={"public": True})
async def off_schema() -> dict[str, int]:
    return {"n": "text"}  # type: ignore[dict-item]


def test_the_run_reports_a_5xx_and_an_answer_off_its_schema() -> None:
    """The harness itself can fail: a route that raises and one that breaks its schema."""
    app = Litestar([broken, off_schema], openapi_config=OpenAPIConfig("t", "1"))
    try:
        answers, failures = fuzz(app, {})
    finally:
        asgi.shutdown_lifespans()
    assert answers == {("GET /broken", 500): 1, ("GET /off-schema", 200): 1}
    assert [f.split(":")[0] for f in failures] == ["GET /broken", "GET /off-schema"]
