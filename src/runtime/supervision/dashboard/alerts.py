"""The red and yellow lists (红黄牌办件): the running cases of a region's subtree at each
warning colour, soonest promised first, read through the supervision service over the
guard's scope. The page shows them as a plain section; the event stream sends the same
section again whenever it changes, for a bounded time, and the browser reconnects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from yiwang.platform.i18n import translate
from yiwang.runtime.supervision.cross_tenant import RUNNING
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.tenants.tree import TenantNode, TenantTree

COLOURS: Final = ("red", "yellow")
#: cases a list shows (the soonest due); more is said, not shown
LIST_SIZE: Final = 20
#: how often the stream looks again, and how long it runs before it closes itself
POLL_SECONDS: Final = 2.0
STREAM_SECONDS: Final = 55.0
#: what the browser waits before reconnecting after the stream has closed
RETRY_MILLISECONDS: Final = 1000

CASE_PAGE: Final = "/console/t/{code}/cases/{number}"


@dataclass(frozen=True)
class AlertList:
    colour: str
    cases: tuple[dict[str, Any], ...]
    truncated: bool

    @property
    def title(self) -> str:
        return translate(f"dashboard.alerts.{self.colour}")


def case_url(code: str, number: str) -> str:
    """The staff case page of a case (the console's), at the case's own tenant."""
    return CASE_PAGE.format(code=code, number=number)


def case_line(row: dict[str, Any]) -> dict[str, Any]:
    """A case row of the supervision API as a list line shows it."""
    tenant = row["tenant"]
    return {
        "number": row["number"],
        "url": case_url(tenant["code"], row["number"]),
        "region": tenant["name"],
        "item": row["service_item"],
        "department": row["department"] or translate("dashboard.unknown_department"),
        "status": translate(f"routes.status.{row['status']}"),
        "colour": row["colour"] or "none",
        "colour_label": translate(f"dashboard.colour.{row['colour'] or 'none'}"),
        "submitted_at": row["submitted_at"][:16].replace("T", " "),
        "promised_due": row["promised_due"] or "",
    }


def region_filter(tree: TenantTree, region: TenantNode, caller: TenantNode) -> dict[str, list[str]]:
    """The tenant filter for a region's subtree (none for the caller's whole scope)."""
    if region.code == caller.code:
        return {}
    codes = [region.code, *(n.code for n in tree.descendants(region.code))]
    return {"filter.tenant.in": [",".join(codes)]}


async def alert_lists(
    supervision: SupervisionService, region: TenantNode, caller: TenantNode
) -> tuple[AlertList, ...]:
    """The red list and the yellow list of the region's subtree, now."""
    narrowing = region_filter(supervision.tree, region, caller)
    lists = []
    for colour in COLOURS:
        found = await supervision.cross_tenant_cases(
            {
                **narrowing,
                "filter.colour": [colour],
                "filter.status.in": [",".join(RUNNING)],
                "sort": ["promised_due"],
                "limit": [str(LIST_SIZE)],
            }
        )
        lines = tuple(case_line(r) for r in found["items"])
        lists.append(AlertList(colour, lines, bool(found["truncated"])))
    return tuple(lists)
