"""The bundled sample content as records, so a fresh platform's lists are not empty.

`tenant_templates/base/samples` holds service guides, power and responsibility
lists and a year of special funds. Each sample goes to the tenant its
implementing body names: the division code inside the body's unified social
credit code (characters 3 to 8 of `dept_code`, GB 32100), when that tenant
exists; otherwise to the province that publishes this base model. A
responsibility item names its power item by implementation code; loading
swaps in the power item's record id and puts it beside it.

Every sample goes through `RecordService.create` (validated, rule-checked,
history, audit) with a stable number (`<tenant>-S-<type>-<n>`), so a second
run finds each one and creates nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from yiwang.metadata.documents.errors import FormInvalid
from yiwang.metadata.versions.bundled import load_samples
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.records.errors import RuleBroken, SamplesInvalid
from yiwang.runtime.records.privacy import PiiSeal
from yiwang.runtime.records.repository import RecordRepository
from yiwang.runtime.records.service import EffectiveIds, RecordService
from yiwang.tenants.onboarding.tenant_templates import load_template
from yiwang.tenants.tree import TenantNode, TenantTree

#: the order samples load in: responsibility items refer to power items
ORDER: Final = ("power_item", "responsibility_item", "service_item", "special_fund")
BASE_FOLDER: Final = "base"


def sample_number(node: TenantNode, type_key: str, index: int) -> str:
    return f"{node.code}-S-{type_key}-{index + 1}"


def _home(tree: TenantTree, root: TenantNode, record: Mapping[str, Any]) -> TenantNode:
    code = record.get("dept_code")
    if isinstance(code, str) and len(code) == 18:
        found = tree.get(code[2:8])
        if found is not None and found.root_code == root.code:
            return found
    return root


async def load_sample_records(
    uow: UnitOfWork,
    tree: TenantTree,
    models: ModelCache,
    seal: PiiSeal,
    templates_root: Path,
    effective_ids: EffectiveIds | None = None,
) -> dict[str, int]:
    """Create the samples that do not exist yet; returns how many of each type were made."""
    sets = {s.type: s.records for s in load_samples(templates_root)}
    ids = effective_ids or EffectiveIds()
    made: dict[str, int] = {}
    for root in tree.roots:
        folder = load_template(templates_root, root.template).base if root.template else "base"
        if folder != BASE_FOLDER:
            continue
        powers: dict[str, tuple[TenantNode, int]] = {}
        for type_key in sorted(sets, key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER)):
            for index, raw in enumerate(sets[type_key]):
                record = dict(raw)
                home = _home(tree, root, record)
                if type_key == "responsibility_item" and record.get("power_item") in powers:
                    home, power_id = powers[str(record["power_item"])]
                    record["power_item"] = str(power_id)
                await uow.use_scope(TenantScope.single(home.id))
                number = sample_number(home, type_key, index)
                service = RecordService(uow, tree, models, seal, ids)
                existing = await RecordRepository(uow.session).find_by_number(home.id, number)
                if existing is not None:
                    record_id = existing.id
                else:
                    try:
                        created = await service.create(type_key, record, number=number)
                    except (FormInvalid, RuleBroken) as exc:
                        raise SamplesInvalid(
                            "records.samples_invalid",
                            index=index + 1,
                            type=type_key,
                            detail=exc.message(),
                        ) from exc
                    record_id = created.id
                    made[type_key] = made.get(type_key, 0) + 1
                if type_key == "power_item" and isinstance(raw.get("task_code"), str):
                    powers[raw["task_code"]] = (home, record_id)
    return made
