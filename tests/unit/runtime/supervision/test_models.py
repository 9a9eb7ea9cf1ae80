"""The supervision tables declare their own indexes (autogenerate compares them)."""

from __future__ import annotations

from sqlalchemy import Index

from yiwang.runtime.supervision.models import Evaluation


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
