"""Real-name verification (实名核验) behind a pluggable provider.

Production deployments call a provider that checks name and ID number against
the public-security population database (through the provincial government
service platform or a licensed vendor). The development provider cannot do
that: it only checks the ID number's check digit, and its result says so in
`checked` and `note`, so nobody mistakes a development verification for a real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from yiwang.policy.identity.codes import is_valid_resident_id


@dataclass(frozen=True)
class RealNameResult:
    verified: bool
    #: which provider answered
    provider: str
    #: what was actually compared: "check_digit", "name", "id_number", "photo", ...
    checked: tuple[str, ...]
    #: a message-catalogue code explaining the result, or None
    note: str | None = None


class RealNameProvider(Protocol):
    """Verifies that a name and an ID number belong to one real person."""

    name: str

    async def verify(self, full_name: str, id_number: str) -> RealNameResult: ...


class CheckDigitOnlyProvider:
    """The development provider: checks the GB 11643 check digit and nothing else."""

    name = "development-check-digit-only"

    async def verify(self, full_name: str, id_number: str) -> RealNameResult:
        ok = is_valid_resident_id(id_number) and bool(full_name.strip())
        return RealNameResult(
            verified=ok,
            provider=self.name,
            checked=("check_digit",),
            note="identity.realname_check_digit_only",
        )
