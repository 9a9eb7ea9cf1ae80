"""Every error code raised anywhere in src/ has a message in the catalogue, and each
context owns the codes of its own areas."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import yiwang.app  # noqa: F401  (imports every context, so every catalogue is registered)
from yiwang import metadata, policy, tenants
from yiwang.metadata.documents import errors as metadata_errors
from yiwang.platform import errors
from yiwang.platform import messages as kernel
from yiwang.platform.i18n import negotiate_locale, translate
from yiwang.policy import identity
from yiwang.runtime import (
    applications,
    attachments,
    cases,
    certificates,
    console,
    jobs,
    lists,
    model_editor,
    outbox,
    portal,
    records,
    routes,
    seeding,
    spreadsheets,
    supervision,
    web,
    webhooks,
)
from yiwang.runtime import forms as form_room
from yiwang.runtime.applications import errors as application_errors
from yiwang.runtime.attachments import errors as attachment_errors
from yiwang.runtime.certificates import errors as certificate_errors
from yiwang.runtime.console import admin as console_admin
from yiwang.runtime.console import lists as console_lists
from yiwang.runtime.jobs import errors as job_errors
from yiwang.runtime.lists import errors as lists_errors
from yiwang.runtime.records import errors as record_errors
from yiwang.runtime.seeding import errors as seeding_errors
from yiwang.runtime.spreadsheets import errors as spreadsheets_errors
from yiwang.runtime.supervision import dashboard
from yiwang.runtime.supervision import errors as supervision_errors
from yiwang.runtime.webhooks import errors as webhook_errors

ZH_CN = kernel.catalogue("zh-CN")

SRC = Path(__file__).resolve().parents[3] / "src"
CODE_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
ERROR_CLASSES = {
    name
    for module in (
        errors,
        metadata_errors,
        certificate_errors,
        lists_errors,
        spreadsheets_errors,
        attachment_errors,
        job_errors,
        record_errors,
        seeding_errors,
        application_errors,
        supervision_errors,
        webhook_errors,
    )
    for name, obj in vars(module).items()
    if isinstance(obj, type) and issubclass(obj, errors.YiwangError)
} | {"ErrorDetail", "_fail", "_reject", "_detail"}
#: each context's catalogue holds the codes of its own areas and no other
OWNED_AREAS = {
    tenants.messages: ("tenant.", "divisions.", "template.", "calendar."),
    identity.messages: ("identity.",),
    policy.messages: ("policy.",),
    metadata.messages: ("metadata.",),
    routes.messages: ("routes.",),
    lists.messages: ("lists.",),
    spreadsheets.messages: ("spreadsheets.",),
    certificates.messages: ("certificates.",),
    attachments.messages: ("attachments.",),
    jobs.messages: ("jobs.",),
    cases.messages: ("cases.",),
    outbox.messages: ("outbox.",),
    form_room.messages: ("forms.",),
    records.messages: ("records.",),
    seeding.messages: ("seeding.",),
    applications.messages: ("applications.",),
    portal.messages: ("portal.",),
    console.messages: ("console.",),
    console_lists.messages: ("console_lists.",),
    model_editor.messages: ("model_editor.",),
    console_admin.messages: ("admin.",),
    web.messages: ("web.",),
    supervision.messages: ("supervision.",),
    dashboard.messages: ("dashboard.",),
    webhooks.messages: ("webhooks.",),
}


def _raised_codes() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            first = node.args[0]
            if (
                name in ERROR_CLASSES
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and CODE_RE.match(first.value)
            ):
                found[first.value] = f"{path.relative_to(SRC)}:{node.lineno}"
    return found


def test_every_raised_code_has_a_message() -> None:
    codes = _raised_codes()
    assert len(codes) > 20
    missing = {code: where for code, where in codes.items() if code not in ZH_CN}
    assert missing == {}


def test_messages_are_chinese() -> None:
    for code, message in ZH_CN.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), code


def test_locale_negotiation_defaults_to_chinese() -> None:
    assert negotiate_locale(None) == "zh-CN"
    assert negotiate_locale("en-US,en;q=0.9") == "zh-CN"
    assert negotiate_locale("zh") == "zh-CN"
    assert "620102" in translate("tenant.not_found", "zh-CN", code="620102")


def test_error_carries_code_pointer_and_message() -> None:
    err = errors.InvalidInput("divisions.code_format", pointer="/lines/3", line=3, code="62")
    body = err.as_dict()
    assert body == {
        "code": "divisions.code_format",
        "pointer": "/lines/3",
        "message": body["message"],
    }
    assert "第 3 行" in body["message"]


def test_each_context_owns_its_codes() -> None:
    for module, areas in OWNED_AREAS.items():
        assert module.ZH_CN, module.__name__
        strays = [code for code in module.ZH_CN if not code.startswith(areas)]
        assert strays == [], module.__name__
    context_areas = tuple(a for areas in OWNED_AREAS.values() for a in areas)
    in_kernel = [c for c in kernel.ZH_CN if c.startswith(context_areas)]
    assert in_kernel == ["tenant.context_missing"]


def test_a_code_cannot_be_registered_twice_with_another_text() -> None:
    with pytest.raises(ValueError):
        kernel.register("test", "zh-CN", {"not_found": "另一条消息。"})
