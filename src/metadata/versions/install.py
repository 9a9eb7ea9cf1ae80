"""The bundled templates published where nothing is yet: at every start, and as
the step that completes a province's onboarding."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from yiwang.metadata.versions.bundled import load_base_model, load_overlays
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.metadata.versions.service import MetadataService, PublishResult, RecordChecks
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.catalogue import load_catalogue
from yiwang.tenants.onboarding.service import Onboarded
from yiwang.tenants.onboarding.tenant_templates import load_template
from yiwang.tenants.tree import TenantNode, TenantTree


async def install_templates(
    uow: UnitOfWork,
    tree: TenantTree,
    models: ModelCache,
    templates_root: Path,
    records: RecordChecks | None = None,
) -> list[PublishResult]:
    """Publish the bundled base model and example overlays where nothing is published yet.

    Every root of the tree (every province) gets the base model its tenant
    template names (`base:`, by default `tenant_templates/base`); the example
    overlays go to the tenants that exist. Idempotent: a tenant that already has
    a current version is left alone, so onboarding and every start may call it.
    Overlays apply top-down, each checked against what its ancestors have just
    published in this same transaction, which is why a private, uncached
    `ModelCache` reads them: nothing of an uncommitted transaction may reach the
    shared caches. After commit, `models` announces the last generation.
    """
    service = MetadataService(
        uow, tree, ModelCache(None, poll_seconds=0.0), load_catalogue(templates_root), records
    )
    results: list[PublishResult] = []
    bases: dict[str, dict[str, Any]] = {}
    steps: list[tuple[TenantNode, dict[str, Any]]] = []
    for root in tree.roots:
        folder = load_template(templates_root, root.template).base if root.template else "base"
        if folder not in bases:
            bases[folder] = load_base_model(templates_root, folder).as_json()
        steps.append((root, bases[folder]))
    overlays = load_overlays(templates_root)
    ordered = sorted((tree.by_code[c] for c in overlays if c in tree), key=lambda n: len(n.codes))
    steps += [(node, overlays[node.code].body) for node in ordered]
    for node, content in steps:
        await uow.use_scope(TenantScope.single(node.id))
        if await service.repo.current(node.id) is not None:
            continue
        results.append(await service.publish(node.code, note="模板", content=content))
    if results:
        generation = results[-1].generation

        async def announce() -> None:
            await models.announce(generation)

        uow.after_commit(announce)
    return results


def completes_onboarding(
    models: ModelCache, templates_root: Path, records: RecordChecks | None = None
) -> Callable[[UnitOfWork, Onboarded], Awaitable[None]]:
    """The onboarding step that publishes each new province's base model (and the example
    overlays of new regions) in the onboarding's own unit of work."""

    async def step(uow: UnitOfWork, done: Onboarded) -> None:
        if done.created:
            await install_templates(
                uow, await TenantTree.load(uow.session), models, templates_root, records
            )

    return step
