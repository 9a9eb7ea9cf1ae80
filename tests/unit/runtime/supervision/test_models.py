"""The supervision tables declare their own indexes (autogenerate compares them)."""

from __future__ import annotations

from typing import get_args

from sqlalchemy import CheckConstraint, Index

from yiwang.runtime.applications.feedback.schemas import Kind
from yiwang.runtime.supervision.models import FEEDBACK_KINDS, Complaint, Evaluation


def test_one_rating_per_case_is_declared_on_the_evaluations_model() -> None:
    declared = [
        arg
        for arg in Evaluation.__table_args__
        if isinstance(arg, Index) and arg.name == "ux_supervision_evaluations_case"
    ]
    assert len(declared) == 1
    index = declared[0]
    assert index.unique is True
    assert [c.name for c in index.columns] == ["tenant_id", "case_id"]


def test_complaints_know_their_kind_as_the_api_names_it() -> None:
    kinds = Complaint.__table__.c.kind
    assert not kinds.nullable
    assert get_args(Kind) == FEEDBACK_KINDS
    checks = [
        str(arg.sqltext)
        for arg in Complaint.__table_args__
        if isinstance(arg, CheckConstraint) and str(arg.sqltext).startswith("kind ")
    ]
    assert checks == ["kind IN ('complaint', 'question')"]
