"""The supervision metrics agree exactly with a direct count of what happened: random
sequences of case events (submissions with their facts, completions, colours,
evaluations, rectifications, complaints, closures) against an independent tally."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.supervision.conftest import purge
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.tenants.tree import TenantTree

TENANTS = ("620104", "620105")
SUBMITTED = datetime(2026, 5, 11, 2, 0, tzinfo=UTC)  # 10:00 in China, a Monday
PERIOD = "2026-05"

OPS = st.one_of(
    st.tuples(
        st.just("open"),
        st.integers(0, 1),
        st.booleans(),
        st.booleans(),
        st.integers(0, 2),
        st.integers(1, 10),
    ),
    st.tuples(st.just("complete"), st.integers(0, 20), st.integers(0, 15)),
    st.tuples(st.just("colour"), st.integers(0, 20), st.sampled_from(("green", "yellow", "red"))),
    st.tuples(st.just("evaluate"), st.integers(0, 20), st.integers(1, 5)),
    st.tuples(st.just("rectify"), st.integers(0, 20), st.integers(1, 40)),
    st.tuples(st.just("complain"), st.integers(0, 20)),
    st.tuples(st.just("close"), st.integers(0, 20), st.integers(1, 100)),
)


class Clock:
    def __init__(self) -> None:
        self.now = SUBMITTED

    def __call__(self) -> datetime:
        return self.now


async def _counts(
    sessions: async_sessionmaker[AsyncSession], tree: TenantTree, clock: Clock
) -> dict[str, dict[str, Any]]:
    scope = TenantScope.subtree(tree.node("620100").id, tree.subtree_ids("620100"))
    async with unit_of_work(sessions, actor="test", scope=scope) as uow:
        out = await SupervisionService(uow, tree, clock=clock).metrics(
            {"period": [PERIOD], "filter.tenant.in": [",".join(TENANTS)]}
        )
    return {i["tenant"]["code"]: i["counts"] for i in out["items"]}


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPS, min_size=1, max_size=25))
async def test_metrics_agree_with_a_direct_count(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    admin_sql: psycopg.Connection,
    ops: list[tuple[Any, ...]],
) -> None:
    marker = uuid.uuid4().hex[:12]
    clock = Clock()
    before = await _counts(sessions, installed, clock)
    expected = {code: Counter[str]() for code in TENANTS}
    cases: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    complaints: list[dict[str, Any]] = []
    try:
        for op in ops:
            kind = op[0]
            if kind == "open":
                _, t, online, fully, visits, promised = op
                code = TENANTS[t]
                number = f"{code}-{marker}-{len(cases):04d}"
                due = SUBMITTED.date() + timedelta(days=promised)
                row = admin_sql.execute(
                    "INSERT INTO cases (tenant_id, number, service_item, form_key, route_key,"
                    " route_version, route_definition, form_data, state, version, status,"
                    " submitter, submitted_at, updated_at, promised_due, colour) VALUES"
                    " (%s, %s, 'SI-1', 'application', 'standard', 'v1', '{}', '{}',"
                    " '{\"implementing_department\": \"scjgj\"}', 1, 'in_review', %s, %s, %s,"
                    " %s, 'green') RETURNING id",
                    (
                        installed.node(code).id,
                        number,
                        f"account:{marker}",
                        SUBMITTED,
                        SUBMITTED,
                        due,
                    ),
                ).fetchone()
                assert row is not None
                fully = fully and online
                async with unit_of_work(
                    sessions, actor="test", scope=TenantScope.single(installed.node(code).id)
                ) as uow:
                    await SupervisionService(uow, installed, clock=clock).record_facts(
                        code,
                        number,
                        power_type="xzxk",
                        online=online,
                        fully_online=fully,
                        visits=visits,
                    )
                cases.append(
                    {
                        "id": row[0],
                        "code": code,
                        "number": number,
                        "due": due,
                        "status": "in_review",
                        "colour": "green",
                        "done": None,
                    }
                )
                e = expected[code]
                e["cases"] += 1
                e["with_facts"] += 1
                e["online"] += online
                e["fully_online"] += fully
                e["zero_visit"] += visits == 0
            elif not cases:
                continue
            elif kind == "complete":
                c = cases[op[1] % len(cases)]
                if c["status"] == "completed":
                    continue
                done = SUBMITTED + timedelta(days=op[2])
                admin_sql.execute(
                    "UPDATE cases SET status = 'completed', updated_at = %s WHERE id = %s",
                    (done, c["id"]),
                )
                c["status"], c["done"] = "completed", done
            elif kind == "colour":
                c = cases[op[1] % len(cases)]
                admin_sql.execute("UPDATE cases SET colour = %s WHERE id = %s", (op[2], c["id"]))
                c["colour"] = op[2]
            elif kind == "evaluate":
                c = cases[op[1] % len(cases)]
                if any(e["case"] is c for e in evaluations):
                    continue  # one 好差评 per case (`ux_supervision_evaluations_case`)
                clock.now = SUBMITTED + timedelta(hours=1)
                async with unit_of_work(
                    sessions, actor="test", scope=TenantScope.single(installed.node(c["code"]).id)
                ) as uow:
                    eid = await SupervisionService(uow, installed, clock=clock).evaluate(
                        c["code"], c["number"], op[2]
                    )
                evaluations.append({"id": eid, "case": c, "grade": op[2], "fixed": None})
                expected[c["code"]][f"grade_{op[2]}"] += 1
            elif kind == "rectify":
                bad = [e for e in evaluations if e["grade"] <= 2 and e["fixed"] is None]
                if not bad:
                    continue
                ev = bad[op[1] % len(bad)]
                clock.now = SUBMITTED + timedelta(days=op[2])
                async with unit_of_work(
                    sessions,
                    actor="test",
                    scope=TenantScope.single(installed.node(ev["case"]["code"]).id),
                ) as uow:
                    await SupervisionService(uow, installed, clock=clock).rectify(
                        ev["case"]["code"], ev["id"]
                    )
                ev["fixed"] = clock.now
            elif kind == "complain":
                c = cases[op[1] % len(cases)]
                clock.now = SUBMITTED + timedelta(hours=2)
                async with unit_of_work(
                    sessions, actor="test", scope=TenantScope.single(installed.node(c["code"]).id)
                ) as uow:
                    cid = await SupervisionService(uow, installed, clock=clock).complain(
                        c["code"], f"投诉 {marker}", number=c["number"]
                    )
                complaints.append({"id": cid, "case": c, "opened": clock.now, "closed": None})
                expected[c["code"]]["complaints"] += 1
            elif kind == "close":
                open_ = [x for x in complaints if x["closed"] is None]
                if not open_:
                    continue
                x = open_[op[1] % len(open_)]
                clock.now = x["opened"] + timedelta(hours=op[2])
                async with unit_of_work(
                    sessions,
                    actor="test",
                    scope=TenantScope.single(installed.node(x["case"]["code"]).id),
                ) as uow:
                    await SupervisionService(uow, installed, clock=clock).close_complaint(
                        x["case"]["code"], x["id"], "已处理"
                    )
                x["closed"] = clock.now
        # the direct tally of the final state
        # 15 working days from 2026-05-11 (no holiday in between): 2026-06-01
        rectify_due = date(2026, 6, 1)
        for c in cases:
            e = expected[c["code"]]
            if c["status"] == "completed":
                e["completed"] += 1
                e["promised_cases"] += 1
                done_day = (c["done"] + timedelta(hours=8)).date()
                e["on_time"] += done_day <= c["due"]
                e["handling_days"] += (done_day - SUBMITTED.date()).days
                e["promised_days"] += (c["due"] - SUBMITTED.date()).days
            elif c["colour"] in ("yellow", "red"):
                e[f"{c['colour']}_now"] += 1
        for ev in evaluations:
            if ev["fixed"] is not None and (ev["fixed"] + timedelta(hours=8)).date() <= rectify_due:
                expected[ev["case"]["code"]]["rectified_in_time"] += 1
        for x in complaints:
            if x["closed"] is not None:
                e = expected[x["case"]["code"]]
                e["closed"] += 1
                e["closing_seconds"] += int((x["closed"] - x["opened"]).total_seconds())
        after = await _counts(sessions, installed, clock)
        for code in TENANTS:
            delta = {
                k: after[code][k] - before[code][k]
                for k in after[code]
                if after[code][k] != before[code][k]
            }
            assert delta == {k: v for k, v in expected[code].items() if v}, code
    finally:
        admin_sql.execute(
            "DELETE FROM supervision_complaints WHERE content LIKE %s", (f"%{marker}%",)
        )
        purge(admin_sql, f"%{marker}%")
