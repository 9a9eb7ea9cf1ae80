"""A refused administrative change stays on record after the unit rolls back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from yiwang.platform.errors import YiwangError
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy import store
from yiwang.policy.identity.inputs import printable


@dataclass
class Attempt:
    """What a refusal's audit record can name: the tenant, once it is looked up."""

    tenant_id: int | None = None


def safe_detail(**values: Any) -> dict[str, Any]:
    """Audit detail from untrusted input: strings cut and their control characters escaped
    (a NUL byte would otherwise fail the record, and with it the refusal)."""
    return {k: printable(v) if isinstance(v, str) else v for k, v in values.items()}


@asynccontextmanager
async def audited(uow: UnitOfWork, action: str, detail: dict[str, Any]) -> AsyncIterator[Attempt]:
    """Audit a change refused inside the block, then let the error through.

    The record is written in the unit's independent transaction: the unit is
    rolling back. It names the tenant once the block has set it.
    """
    attempt = Attempt()
    try:
        yield attempt
    except YiwangError as exc:
        async with uow.independent() as session:
            await store.record_refusal(
                session,
                actor=uow.actor,
                action=action,
                code=exc.code,
                tenant_id=attempt.tenant_id,
                detail=detail,
            )
        raise
