"""我的办件: the signed-in person's own cases at a region, each case's progress, and what
they may do from there: withdraw, answer a 补正, rate (好差评), complain or ask.

    GET  /r/{code}/my/cases                        cases and drafts at this region (case read)
    GET  /r/{code}/my/cases/{number}               one case: facts, changes, timeline, forms
    GET  /r/{code}/my/cases/{number}/withdraw      the confirmation (case read)
    POST /r/{code}/my/cases/{number}/withdraw      withdraw (case write, forms, CSRF)
    POST /r/{code}/my/cases/{number}/resubmit      answer the 补正: comment and new files
    POST /r/{code}/my/cases/{number}/evaluation    好差评, once, after the case ended
    POST /r/{code}/my/cases/{number}/complaints    a complaint or a question (咨询)

One region per page, the region of the path: the guard scopes the request,
and row-level security with it, to that tenant alone, as it does for the
cases API these pages read (`CasesService.mine`, `view`, `act_audited`). A
case is kept by the region whose item it applies for; the page links to the
same list at the levels above, where their items' cases are. Only the
person's own cases are shown (`view(..., staff=False)`): another's number is
the 404 page. An anonymous visitor asking for any of these pages is sent to
the sign-in page with `next` set to it.

Both pages mark what someone else changed since the person last looked
(`changes`); the case page refreshes that part by an htmx poll of itself
(`?poll=1`, which does not count as looking). Every page resolves one
dependency, `case_pages` (`portal.dependencies`), which reads the viewer itself:
several dependencies of one level are resolved in a task group, which costs
more than these pages.

- `parts`: what every page reads (`CasePages`), the guards, and how a case is summed up;
- `listing`: the list of cases and drafts;
- `case_page`: one case, its timeline, its 补正 and its forms;
- `actions`: what the person does on a case (withdraw, resubmit, rate, complain or ask).

May import what `yiwang.runtime.portal` may, and `yiwang.runtime.applications`.
"""

from __future__ import annotations

from typing import Final

from yiwang.runtime.portal.my_cases import actions, case_page, listing
from yiwang.runtime.portal.my_cases.parts import (
    INTERNAL_EVENTS,
    CasePages,
    can_withdraw,
    local_time,
)

ROUTES: Final = (*listing.ROUTES, *case_page.ROUTES, *actions.ROUTES)

__all__ = ["INTERNAL_EVENTS", "ROUTES", "CasePages", "can_withdraw", "local_time"]
