"""Which outbox rows reach the applicant, in what words, and the back-off between tries."""

from __future__ import annotations

from datetime import timedelta

from yiwang.runtime.outbox.notices import BACKOFF_CAP, backoff, notice_for


def event(kind: str, comment: str = "", **data: object) -> dict[str, object]:
    return {
        "number": "620102-20260302-000001",
        "event": {"kind": kind, "comment": comment, "data": data},
    }


def test_the_applicant_hears_of_the_steps_that_concern_them() -> None:
    accepted = notice_for("case.accepted", event("accepted"))
    assert accepted is not None
    assert accepted.text == "您的办件 620102-20260302-000001 已受理。"
    supplement = notice_for(
        "case.supplement_requested", event("supplement_requested", missing=["健康证明", "营业执照"])
    )
    assert supplement is not None
    assert "健康证明、营业执照" in supplement.text
    refused = notice_for("case.not_accepted", event("not_accepted", comment="不属于本机关职权"))
    assert refused is not None and refused.text.endswith("理由：不属于本机关职权")


def test_a_decision_names_its_outcome() -> None:
    approved = notice_for("case.decided", event("decided", outcome="approved"))
    refused = notice_for("case.decided", event("decided", outcome="refused", reasons="材料不实"))
    assert approved is not None and approved.code == "outbox.notice.decided.approved"
    assert refused is not None and refused.code == "outbox.notice.decided.refused"
    assert refused.text.endswith("理由：材料不实")


def test_internal_events_reach_nobody() -> None:
    for kind in ("task_opened", "task_closed", "approved", "step_opened", "delegated"):
        assert notice_for(f"case.{kind}", event(kind)) is None
    assert notice_for("exchange.something", {"number": "x"}) is None


def test_deadline_warnings_carry_the_due_day() -> None:
    red = notice_for("deadline.red", {"number": "N-1", "colour": "red", "due": "2026-10-12"})
    assert red is not None
    assert red.text == "办件 N-1 已超过承诺时限（2026-10-12），请立即办理。"


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
        timedelta(seconds=240),
    ]
    assert backoff(8) == BACKOFF_CAP and backoff(1000) == BACKOFF_CAP
    assert backoff(0) == timedelta(0)
