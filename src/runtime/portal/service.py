"""What the subsite pages read: service guides across the region's chain, one guide, and
the public lists, each as rows ready to show. Reads only what the metadata publishes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.errors import NotFound
from yiwang.platform.i18n import translate
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.portal.guide import Section, code_labels, guide_sections, shown
from yiwang.runtime.records.repository import RecordRepository
from yiwang.runtime.records.service import RecordService
from yiwang.tenants.tree import TenantNode, TenantTree

SERVICE_ITEM: Final = "service_item"
#: 事项状态 "在用": only these are shown
IN_USE: Final = "1"
#: the public lists of 政务公开, in the order the pages offer them
OPEN_LISTS: Final = ("power_item", "responsibility_item", "special_fund")


def chain_of(tree: TenantTree, code: str) -> list[TenantNode]:
    """The region, then its prefecture and province: whose items apply here."""
    return list(reversed(tree.chain(code)))


@dataclass(frozen=True)
class Filter:
    """One filter of a list page: its parameter, label and choices (value, label)."""

    param: str
    label: str
    choices: tuple[tuple[str, str], ...]
    selected: str


@dataclass(frozen=True)
class Listing:
    title: str
    columns: tuple[tuple[str, str], ...]
    rows: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class Guide:
    id: int
    title: str
    home: TenantNode
    sections: list[Section]
    online: bool


def view_filters(
    document: Mapping[str, Any],
    view_key: str,
    params: Mapping[str, Sequence[str]],
    departments: Sequence[tuple[str, str]] = (),
) -> list[Filter]:
    """A view's filters that have choices: codes, yes/no, and departments when their
    choices are given (the console's lists; a public page has no department filter)."""
    view = document["lists"][view_key]
    found = []
    for key in view.get("filters", []):
        definition = document["fields"][key]
        param = f"filter.{key}" + (".has" if definition["type"] == "multi_code" else "")
        if definition["type"] in ("code", "multi_code"):
            choices = tuple(code_labels(document, definition).items())
        elif definition["type"] == "boolean":
            choices = (("true", translate("portal.yes")), ("false", translate("portal.no")))
        elif definition["type"] == "department" and departments:
            choices = tuple(departments)
        else:
            continue
        selected = (params.get(param) or [""])[0]
        found.append(Filter(param, definition["label"], choices, selected))
    return found


class PortalService:
    """One request's reads for a subsite page (public: no person, published data only)."""

    def __init__(
        self, uow: UnitOfWork, tree: TenantTree, lists: ListService, metadata: MetadataService
    ) -> None:
        self.uow = uow
        self.tree = tree
        self.lists = lists
        self.metadata = metadata

    def chain(self, code: str) -> list[TenantNode]:
        return chain_of(self.tree, code)

    async def document(self, code: str, type_key: str) -> Mapping[str, Any]:
        return RecordService.item_document(await self.metadata.effective(code), type_key)

    async def services(self, code: str, params: Mapping[str, Sequence[str]]) -> Listing:
        """Service guides of the region and of every level above it that handles items here."""
        reach = [n.code for n in self.chain(code)[1:]]
        page = await self.lists.public_page(code, SERVICE_ITEM, params, reach=reach)
        document = page.document
        rows = [
            {
                **item,
                "shown": self._shown(document, item["values"]),
                "region": self.tree.node(item["tenant"]),
            }
            for item in page.items
        ]
        return Listing(document["label"], (), rows, page.next_cursor)

    def _shown(self, document: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, str]:
        fields = document["fields"]
        return {k: shown(document, fields.get(k), v) for k, v in values.items()}

    async def listing(
        self, code: str, type_key: str, params: Mapping[str, Sequence[str]]
    ) -> Listing:
        """A page of one of the region's public lists, values shown as text."""
        page = await self.lists.public_page(code, type_key, params)
        document = page.document
        fields = document["fields"]
        columns = tuple((k, fields[k]["label"]) for k in page.view.columns if k in fields)
        rows = [{**item, "shown": self._shown(document, item["values"])} for item in page.items]
        title = str(document.get("publication", {}).get("section_label") or document["label"])
        return Listing(title, columns, rows, page.next_cursor)

    async def filters(
        self, code: str, type_key: str, params: Mapping[str, Sequence[str]], view_key: str
    ) -> list[Filter]:
        """The public view's filters that have choices (codes and yes/no)."""
        return view_filters(await self.document(code, type_key), view_key, params)

    async def guide(self, code: str, item_id: int) -> Guide:
        """The guide of service item `item_id` if it is in use and applies in `code`."""
        chain = self.chain(code)
        await self.uow.use_scope(TenantScope(chain[0].id, tuple(n.id for n in chain)))
        repo = RecordRepository(self.uow.session)
        for node in chain:
            stored = await repo.get(node.id, item_id)
            if stored is None:
                continue
            if stored.type_key != SERVICE_ITEM or stored.deleted_at is not None:
                break
            values = stored.data
            if values.get("task_state", IN_USE) != IN_USE:
                break
            document = await self.document(code, SERVICE_ITEM)
            title = str(values.get("task_name") or item_id)
            return Guide(
                item_id,
                title,
                node,
                guide_sections(document, values),
                values.get("is_online") is True,
            )
        raise NotFound("portal.item.not_found")
