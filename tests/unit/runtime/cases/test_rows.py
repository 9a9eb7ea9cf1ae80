"""What one transition writes (`cases.rows`), on real routes through the pure engine."""

from __future__ import annotations

from tests.unit.runtime.routes.models import CHENGGUAN, at, route, staff
from yiwang.runtime.cases import rows
from yiwang.runtime.routes.actions import Accept, Actor, Approve, RequestSupplement, Submit
from yiwang.runtime.routes.engine import apply
from yiwang.tenants.calendars.workdays import WorkingCalendar

APPLICANT = Actor(id="citizen-1", tenant=CHENGGUAN)
CLERK = staff("clerk-1", "window_clerk")
REVIEWER = staff("rev-1", "dept_reviewer", department="scjgj")
INSPECTOR = staff("insp-1", "inspector", department="scjgj")
HEALTH = staff("wjw-1", "dept_reviewer", department="wjw")
RECHECKER = staff("lz-1", "dept_reviewer", department="scjgj")
SPEC = route(CHENGGUAN, "food_business_license", "licensing")


def test_the_rows_of_an_opening_number_events_and_open_every_task() -> None:
    opened = apply(SPEC, None, Submit(implementing_department="scjgj"), APPLICANT, {}, at(1))
    timeline = rows.timeline_rows(opened)
    assert [r["seq"] for r in timeline] == [1000 + i for i in range(len(opened.events))]
    assert [r["kind"] for r in timeline] == [e.kind for e in opened.events]
    outbox = rows.outbox_rows(CHENGGUAN, opened)
    assert [o["kind"] for o in outbox] == [f"case.{e.kind}" for e in opened.events]
    assert all(o["payload"]["tenant"] == CHENGGUAN and "number" not in o["payload"] for o in outbox)
    assert [t.key for t in rows.changed_tasks(None, opened.state)] == [
        t.key for t in opened.state.open_tasks
    ]


def test_only_new_or_changed_tasks_are_written_and_untouched_ones_keep_their_row() -> None:
    state = apply(SPEC, None, Submit(implementing_department="scjgj"), APPLICANT, {}, at(1)).state
    for n, (action, actor) in enumerate(
        [
            (Accept(), CLERK),
            (Approve(task="review"), REVIEWER),
            (Approve(task="x_lz_recheck"), RECHECKER),
        ],
        start=2,
    ):
        state = apply(SPEC, state, action, actor, {}, at(n)).state
    assert {t.key for t in state.open_tasks} == {"site_check", "health_opinion"}
    # one of two parallel tasks is done: the other is not rewritten
    after = apply(SPEC, state, Approve(task="health_opinion"), HEALTH, {}, at(9)).state
    assert [t.key for t in after.open_tasks] == ["site_check"]
    assert rows.changed_tasks(state, after) == []
    # a vote on a 会签 task that stays open changes no row either
    voted = apply(SPEC, after, Approve(task="site_check"), INSPECTOR, {}, at(10)).state
    assert [t.key for t in voted.open_tasks] == ["site_check"]
    assert rows.changed_tasks(after, voted) == []


def test_the_calendar_is_needed_only_when_the_clock_stops_or_resumes_or_a_limit_applies() -> None:
    state = apply(SPEC, None, Submit(implementing_department="scjgj"), APPLICANT, {}, at(1)).state
    stopped = apply(
        SPEC, state, RequestSupplement(missing=("营业执照",), comment="补正"), CLERK, {}, at(2)
    ).state
    assert rows.clock_changes(state, stopped)
    accepted = apply(SPEC, state, Accept(), CLERK, {}, at(2)).state
    assert not rows.clock_changes(state, accepted)
    changed = rows.changed_tasks(state, accepted)
    # the review task opens with a limit of three working days: its due day needs the calendar
    assert [(t.key, rows.task_limit(SPEC, t.key, t.step)) for t in changed] == [("review", 3)]
    assert rows.needs_calendar(SPEC, changed)
    due = rows.task_rows(SPEC, WorkingCalendar.from_entries([]), changed)
    assert [r["due_on"] for r in due] == [
        rows.deadlines.task_due(
            WorkingCalendar.from_entries([]), rows.today_in_china(changed[0].opened_at), 3
        )
    ]
    assert due[0]["due_on"] is not None
    # a transition that opens no task needs none
    assert not rows.needs_calendar(SPEC, [])
