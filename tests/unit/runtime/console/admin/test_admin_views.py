"""The admin pages' pure parts: the actor decoded for display, the verification's verdict
as a sentence, and a refused division file's problems by line."""

from __future__ import annotations

from yiwang.platform.audit import ChainProblem
from yiwang.platform.audit.anchoring import Verdict
from yiwang.platform.audit.checkpoints import Checkpoint
from yiwang.platform.i18n import translate
from yiwang.runtime.console.admin.actors import actor_label
from yiwang.runtime.console.admin.audit import verdict_text
from yiwang.runtime.console.admin.onboarding import refusals


def test_each_actor_format_is_shown_as_a_reader_reads_it() -> None:
    names = {"zhang.san": "张三"}
    assert actor_label("zhang.san", names) == "张三（账号 zhang.san）"
    assert actor_label("li.si", names) == "li.si"
    assert actor_label("system:cases.sweep", names) == "系统任务 cases.sweep"
    assert actor_label("cli:root", names) == "命令行（root）"
    assert actor_label("anonymous", names) == "匿名访问者"
    # a prefix alone is a login like any other
    assert actor_label("system:", names) == "system:"


def test_the_verdict_names_the_first_broken_record() -> None:
    broken = Verdict([ChainProblem(12, "link"), ChainProblem(7, "hash")], None, 40)
    intact, text = verdict_text(broken)
    problem = translate("admin.audit.problem.hash")
    assert not intact and text == translate("admin.audit.broken", seq=7, problem=problem)
    assert verdict_text(Verdict([], None, None)) == (True, translate("admin.audit.empty_chain"))
    assert verdict_text(Verdict([], None, 40)) == (True, translate("admin.audit.intact", head=40))
    anchored = Checkpoint(
        seq=30, hash="ab" * 32, at="2026-12-01T00:00:00+00:00", key_id="k", signature="s"
    )
    intact, text = verdict_text(Verdict([], anchored, 40))
    assert intact and text == translate("admin.audit.intact_anchored", head=40, seq=30)


def test_refusals_are_listed_by_line() -> None:
    error = {
        "code": "divisions.duplicate",
        "message": "第 4 行：…",
        "pointer": "/lines/4",
        "errors": [
            {"code": "a", "pointer": "/lines/9", "message": "九"},
            {"code": "b", "pointer": "", "message": "整个文件"},
            {"code": "c", "pointer": "/lines/4", "message": "四"},
        ],
    }
    assert refusals(error) == [
        {"line": 4, "message": "四"},
        {"line": 9, "message": "九"},
        {"line": None, "message": "整个文件"},
    ]
    single = {"code": "divisions.header", "message": "表头", "pointer": "/lines/1"}
    assert refusals(single) == [{"line": 1, "message": "表头"}]
