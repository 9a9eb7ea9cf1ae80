"""审计记录: the tenant's audit trail, newest first, and the chain's verification.

    GET /console/t/{code}/admin/audit?actor=&action=&from=&to=&before=   (audit read)
    GET /console/t/{code}/admin/audit/verify                             (audit read)

Fifty records a page by keyset (`before`: the last sequence number shown), filtered by
actor (login or a staff member's name), action and China-time dates; each actor shown
by name (`actors`). Verifying recomputes the whole chain and holds it against the latest
signed checkpoint, as `yiwang audit verify` does, and names the first broken record.
Verifying writes nothing, so it is a GET (a button in a form without CSRF).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Final
from urllib.parse import urlencode

from litestar import Request, Response, get
from sqlalchemy.ext.asyncio import AsyncEngine

from yiwang.platform.audit import anchoring
from yiwang.platform.audit.stores import build_store
from yiwang.platform.china_time import CHINA_TIME
from yiwang.platform.database import session_factory
from yiwang.platform.i18n import translate
from yiwang.platform.settings import Settings
from yiwang.platform.storage import ObjectStorage
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access
from yiwang.runtime.console.admin import repository
from yiwang.runtime.console.admin.actors import actor_label
from yiwang.runtime.console.admin.layout import AdminPage, admin_url, bounded, need
from yiwang.runtime.console.staff import ConsoleParts

PAGE: Final = 50
TEXT_MAX: Final = 128
#: China Standard Time: the dates a reader filters by and the times shown


def _day(raw: str, label: str, errors: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(translate("admin.audit.bad_date", label=translate(label)))
        return None


def _start(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), CHINA_TIME) if day is not None else None


def _filters(page: AdminPage) -> tuple[repository.AuditFilter, dict[str, str], list[str]]:
    params = page.request.query_params
    typed = {
        name: bounded(params.get(name), TEXT_MAX)[:TEXT_MAX]
        for name in ("actor", "action", "from", "to")
    }
    errors: list[str] = []
    since = _day(typed["from"], "admin.audit.from", errors)
    until = _day(typed["to"], "admin.audit.to", errors)
    before_raw = params.get("before") or ""
    before = int(before_raw) if before_raw.isdigit() and len(before_raw) < 19 else None
    if before_raw and before is None:
        errors.append(translate("admin.audit.bad_before"))
    wanted = repository.AuditFilter(
        tenant_id=page.access.tenant.id,
        actor=typed["actor"] or None,
        action=typed["action"] or None,
        since=_start(since),
        until=_start(until + timedelta(days=1)) if until is not None else None,
        before=before,
    )
    return wanted, typed, errors


@get("/audit", opt=need("audit"), include_in_schema=False)
async def audit_page(
    request: Request[Any, Any, Any], console: ConsoleParts, access: Access, uow: UnitOfWork
) -> Response[str]:
    """One page of the tenant's audit trail, newest first."""
    page = await AdminPage.of(request, console, access)
    wanted, typed, errors = _filters(page)
    found = await repository.audit_page(uow.session, wanted, PAGE + 1)
    shown = found[:PAGE]
    names = await repository.staff_names(uow.session, (r.actor for r in shown))
    rows = [
        {
            "seq": r.seq,
            "at": r.at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S"),
            "actor": actor_label(r.actor, names),
            "action": r.action,
            "object": " ".join(p for p in (r.object_type, r.object_id or "") if p),
            "outcome": r.outcome,
            "outcome_label": translate(f"admin.audit.outcome.{r.outcome}"),
        }
        for r in shown
    ]
    given = [(k, v) for k, v in typed.items() if v]
    base = admin_url(page.code, "audit")
    older = (
        base + "?" + urlencode([*given, ("before", str(shown[-1].seq))])
        if len(found) > PAGE
        else None
    )
    newest = base + ("?" + urlencode(given) if given else "") if wanted.before else None
    return page.render(
        "audit.html",
        "audit",
        status=422 if errors else 200,
        rows=rows,
        typed=typed,
        errors=errors,
        action_url=base,
        older_url=older,
        newest_url=newest,
        verify_url=admin_url(page.code, "audit", "verify"),
        verdict=None,
    )


def verdict_text(verdict: anchoring.Verdict) -> tuple[bool, str]:
    """(intact, the sentence that says so or names the first broken record)."""
    if verdict.problems:
        first = min(verdict.problems, key=lambda p: p.seq)
        problem = translate(f"admin.audit.problem.{first.problem}")
        return False, translate("admin.audit.broken", seq=first.seq, problem=problem)
    if verdict.head is None:
        return True, translate("admin.audit.empty_chain")
    if verdict.checkpoint is not None:
        return True, translate(
            "admin.audit.intact_anchored", head=verdict.head, seq=verdict.checkpoint.seq
        )
    return True, translate("admin.audit.intact", head=verdict.head)


@get("/audit/verify", opt=need("audit"), include_in_schema=False)
async def verify_page(
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    access: Access,
    settings: Settings,
    engine: AsyncEngine,
    storage: ObjectStorage,
) -> Response[str]:
    """The chain recomputed and held against the latest checkpoint, as the CLI does."""
    page = await AdminPage.of(request, console, access)
    checkpoint = await build_store(settings, storage).latest()
    # no checkpoint, no key needed: verifying must not make a signing key as a side effect
    key = anchoring.verify_key(settings) if checkpoint is not None else None
    verdict = await anchoring.verify(session_factory(engine), key, checkpoint)
    intact, text = verdict_text(verdict)
    return page.render(
        "verify.html",
        "audit",
        intact=intact,
        verdict=text,
        back_url=admin_url(page.code, "audit"),
        verify_url=admin_url(page.code, "audit", "verify"),
    )


ROUTES: Final = (audit_page, verify_page)
