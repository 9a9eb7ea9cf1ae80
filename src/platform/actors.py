"""Who acted, in the one format the platform stores it: `account:<id>` for a person's
account (the engine's actor on a case, the owner of a job or an upload), `system` or
`system:<job>` for background work. Written and read back only through this module, so
a page naming the actor of an event and the code recording it cannot drift apart."""

from __future__ import annotations

from typing import Final

ACCOUNT_PREFIX: Final = "account:"
#: background work that belongs to no account (a sweep, a scheduled job)
SYSTEM: Final = "system"


def account_actor(account_id: int) -> str:
    """The actor string of an account: `account:<id>`."""
    return f"{ACCOUNT_PREFIX}{int(account_id)}"


def job_actor(name: str) -> str:
    """The actor string of a background job: `system:<name>`."""
    return f"{SYSTEM}:{name}"


def account_of(actor: str | None) -> int | None:
    """The account id `actor` names, or None when it names no account (a job, none)."""
    if actor is None or not actor.startswith(ACCOUNT_PREFIX):
        return None
    digits = actor[len(ACCOUNT_PREFIX) :]
    return int(digits) if digits.isdigit() and len(digits) <= 18 else None


def is_system(actor: str | None) -> bool:
    """True for work nobody signed in did: no actor, `system` or `system:<job>`."""
    return actor is None or actor == SYSTEM or actor.startswith(SYSTEM + ":")
