"""The failures of seeding; codes live in `messages`."""

from __future__ import annotations

from typing import ClassVar

from yiwang.platform.errors import ErrorDetail, InvalidInput, NotFound, YiwangError
from yiwang.platform.i18n import translate


class NothingToSeed(NotFound):
    """No chosen tenant has a published model to generate records from."""


class SeedCountInvalid(InvalidInput):
    """The number of records asked for is not a positive integer."""


class GeneratorStuck(YiwangError):
    """The generator made a record its own tenant's validator refuses, or ran out of
    fresh values for a unique field: a bug of the generator, not of the command's caller.
    The batches written before stay written."""

    status: ClassVar[int] = 500

    @classmethod
    def invalid(
        cls, tenant: str, type_key: str, label: str, tries: int, problems: list[ErrorDetail]
    ) -> GeneratorStuck:
        """`tries` records in a row refused, for `problems` (the last one's, the first five)."""
        shown = problems[:5]
        said = "；".join(f"{d.pointer or '/'} {d.message().rstrip('。')}" for d in shown)
        reason = translate("seeding.stuck.invalid", tries=tries, problems=said)
        return cls(
            "seeding.generator_stuck",
            details=shown,
            tenant=tenant,
            type=type_key,
            label=label,
            reason=reason,
        )

    @classmethod
    def repeats(cls, tenant: str, type_key: str, label: str, field: str) -> GeneratorStuck:
        """Values made for the unique field `field` repeat (among themselves or earlier ones)."""
        reason = translate("seeding.stuck.repeats", field=field)
        return cls(
            "seeding.generator_stuck", tenant=tenant, type=type_key, label=label, reason=reason
        )
