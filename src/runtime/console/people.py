"""Naming the people of a case for staff: an event's actor as the person's name and
department, 申请人 for the applicant, 系统 for background work; and the colleagues a
task may be delegated to. The actor format is read through `platform.actors` only. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from yiwang.platform.actors import account_actor, account_of, is_system
from yiwang.platform.i18n import translate
from yiwang.runtime.console.repository import StaffName

#: a department's name from the tenant id and the department key
DepartmentName = Callable[[int | None, str], str]


@dataclass(frozen=True)
class Colleague:
    """Someone a task may be handed to: the engine's actor id, a label, their roles here."""

    id: str
    label: str
    roles: frozenset[str]


def accounts_named(actors: Iterable[str | None]) -> set[int]:
    """The account ids among `actors` (what the names query must read)."""
    return {n for n in (account_of(a) for a in actors) if n is not None}


def staff_label(person: StaffName, department_name: DepartmentName) -> str:
    if person.department is None:
        return person.name
    return translate(
        "console.actor.staff",
        name=person.name,
        department=department_name(person.tenant_id, person.department),
    )


def actor_label(
    actor: str | None,
    submitter: str,
    names: Mapping[int, StaffName],
    department_name: DepartmentName,
) -> str:
    """How the timeline names who acted."""
    if actor is not None and actor == submitter:
        return translate("console.actor.applicant")
    if is_system(actor):
        return translate("console.case.system")
    number = account_of(actor)
    person = names.get(number) if number is not None else None
    if person is None:
        return translate("console.actor.unknown")
    if person.kind != "staff":
        return translate("console.actor.public")
    return staff_label(person, department_name)


def colleagues(
    people: Iterable[StaffName],
    roles_of: Callable[[int], Iterable[str]],
    department_name: DepartmentName,
) -> list[Colleague]:
    """Staff as delegation targets, each with the roles they hold at the case's tenant."""
    return [
        Colleague(account_actor(p.id), staff_label(p, department_name), frozenset(roles_of(p.id)))
        for p in people
    ]
