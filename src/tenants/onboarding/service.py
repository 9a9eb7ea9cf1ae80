"""Onboarding: build (or complete) a tenant tree from a division file and a template.

One transaction, idempotent: a tenant that exists with the same name, level and
parent is left alone, a missing department or calendar day is added, and a
second run reports that nothing changed. Rows of each tenant are written under
that tenant's own RLS context.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from yiwang.platform.errors import InvalidInput
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.tenants.calendars.workdays import parse_calendar
from yiwang.tenants.lifecycle import announce_after_commit
from yiwang.tenants.models import Level, Tenant
from yiwang.tenants.onboarding.divisions import Division, parse_divisions
from yiwang.tenants.onboarding.tenant_templates import TenantTemplate, load_template
from yiwang.tenants.repository import CalendarRepository, DepartmentRepository, TenantRepository
from yiwang.tenants.tree import child_path, path_codes

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Onboarded:
    """What a finished onboarding hands to the steps that complete it."""

    template: TenantTemplate
    created: tuple[str, ...]


#: a step that completes an onboarding in the same unit of work, supplied by a part above
#: the registry (the metadata publishes each new province's base model), so that every
#: region is complete the moment it exists
OnboardingStep = Callable[[UnitOfWork, Onboarded], Awaitable[None]]


@dataclass
class OnboardResult:
    tenants_created: list[str] = field(default_factory=list)
    tenants_unchanged: int = 0
    departments_created: int = 0
    calendar_days_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.tenants_created or self.departments_created or self.calendar_days_created)

    def as_dict(self) -> dict[str, object]:
        return {
            "changed": self.changed,
            "tenants_created": len(self.tenants_created),
            "tenants_unchanged": self.tenants_unchanged,
            "departments_created": self.departments_created,
            "calendar_days_created": self.calendar_days_created,
        }


class Onboarding:
    """Onboarding in the caller's unit of work; `announce` runs after a commit that changed
    the registry, so every worker sees the new regions."""

    def __init__(
        self,
        uow: UnitOfWork,
        templates_root: Path,
        announce: Callable[[int], Awaitable[None]],
        steps: Sequence[OnboardingStep] = (),
    ) -> None:
        self.uow = uow
        self.templates_root = templates_root
        self.announce = announce
        self.steps = tuple(steps)

    async def onboard(
        self,
        *,
        divisions: bytes | str,
        template_name: str,
        progress: Progress | None = None,
        within: str | None = None,
    ) -> OnboardResult:
        """Any error leaves nothing written (the unit rolls back).

        `within` confines the file to the subtree of that tenant code: an API
        caller administers its own subtree, not the country.
        """
        uow = self.uow
        template = load_template(self.templates_root, template_name)
        tenants = TenantRepository(uow.session)
        existing = {t.code: t for t in await tenants.all()}
        rows = parse_divisions(
            divisions, known_parents={c: Level(t.level) for c, t in existing.items()}
        )
        if within is not None:
            _check_within(rows, existing, within)
        result = OnboardResult()
        by_code = dict(existing)

        for index, division in enumerate(rows, start=1):
            tenant = by_code.get(division.code)
            if tenant is None:
                tenant = await tenants.add(_new_tenant(division, by_code, template))
                by_code[tenant.code] = tenant
                result.tenants_created.append(tenant.code)
                await uow.audit(
                    action="tenant.onboard",
                    object_type="tenant",
                    object_id=tenant.code,
                    tenant_id=tenant.id,
                    detail={"name": tenant.name, "level": tenant.level, "template": template.name},
                )
            else:
                _check_unchanged(division, tenant, by_code)
                result.tenants_unchanged += 1
            result.departments_created += await _add_departments(uow, tenant, template)
            if progress:
                progress(index, len(rows), division.name)

        for division in rows:
            if division.level is Level.PROVINCE:
                result.calendar_days_created += await _add_calendars(
                    uow, by_code[division.code], template, self.templates_root
                )
        for step in self.steps:
            await step(uow, Onboarded(template, tuple(result.tenants_created)))
        await uow.use_scope(TenantScope.single(by_code[rows[0].code].id))
        await uow.audit(
            action="tenant.onboard_run",
            object_type="tenant_tree",
            object_id=rows[0].code,
            tenant_id=by_code[rows[0].code].id,
            detail={"template": template.name, **result.as_dict()},
        )
        if result.changed:
            announce_after_commit(uow, await tenants.bump_version(), self.announce)
        return result


def _check_within(rows: list[Division], existing: dict[str, Tenant], within: str) -> None:
    parents = {c: (path_codes(t.path)[-2] if t.depth > 1 else None) for c, t in existing.items()}
    parents.update({d.code: d.parent_code for d in rows})
    for division in rows:
        code: str | None = division.code
        seen: set[str] = set()
        while code is not None and code != within and code not in seen:
            seen.add(code)
            code = parents.get(code)
        if code != within:
            raise InvalidInput(
                "divisions.outside_subtree",
                pointer=f"/lines/{division.line}",
                line=division.line,
                code=division.code,
                root=within,
            )


def _new_tenant(division: Division, by_code: dict[str, Tenant], template: TenantTemplate) -> Tenant:
    parent = by_code.get(division.parent_code) if division.parent_code else None
    path = child_path(parent.path if parent else None, division.code)
    slug = template.slugs.get(division.code, division.code)
    if any(t.slug == slug for t in by_code.values()):
        raise InvalidInput(
            "divisions.conflict",
            pointer=f"/lines/{division.line}",
            line=division.line,
            code=division.code,
            detail=f"slug {slug}",
        )
    return Tenant(
        code=division.code,
        name=division.name,
        level=division.level.value,
        parent_id=parent.id if parent else None,
        path=path,
        depth=path.count("/"),
        slug=slug,
        hosts=list(template.hosts.get(division.code, ())),
        settings={"roles": list(template.default_roles.get(division.level, ()))},
        template=template.name,
    )


def _check_unchanged(division: Division, tenant: Tenant, by_code: dict[str, Tenant]) -> None:
    parent = by_code.get(division.parent_code) if division.parent_code else None
    differences = []
    if tenant.name != division.name:
        differences.append(f"name {tenant.name} ≠ {division.name}")
    if tenant.level != division.level.value:
        differences.append(f"level {tenant.level} ≠ {division.level.value}")
    if tenant.parent_id != (parent.id if parent else None):
        differences.append("parent")
    if differences:
        raise InvalidInput(
            "divisions.conflict",
            pointer=f"/lines/{division.line}",
            line=division.line,
            code=division.code,
            detail="; ".join(differences),
        )


async def _add_departments(uow: UnitOfWork, tenant: Tenant, template: TenantTemplate) -> int:
    await uow.use_scope(TenantScope.single(tenant.id))
    repo = DepartmentRepository(uow.session)
    have = await repo.keys(tenant.id)
    level = Level(tenant.level)
    rows: list[dict[str, object]] = [
        {"tenant_id": tenant.id, "key": spec.key, "name": spec.name_at(level), "sort": sort}
        for sort, spec in enumerate(template.departments_for(level))
        if spec.key not in have
    ]
    await repo.add_many(rows)
    return len(rows)


async def _add_calendars(
    uow: UnitOfWork, province: Tenant, template: TenantTemplate, root: Path
) -> int:
    repo = CalendarRepository(uow.session)
    added = 0
    for name in template.calendar_files:
        entries = parse_calendar((root / name).read_bytes())
        have = await repo.existing(province.id, [e.day for e in entries])
        rows: list[dict[str, object]] = [
            {"province_id": province.id, "day": e.day, "kind": e.kind, "name": e.name}
            for e in entries
            if e.day not in have
        ]
        await repo.add_many(rows)
        added += len(rows)
    return added
