"""Real-name verification (实名核验) behind a pluggable provider.

What a real provider does and returns:

- **公安 identity check** (公民身份信息核查, through the provincial government
  service platform or a licensed vendor of the population database): given a
  name and an ID number it answers 一致 (they belong together), 不一致, or 库中无
  此号; some services add a portrait comparison (人像比对) against a live photo
  with a similarity score. Result: `verified` only on 一致 (and, with a photo,
  a score above the threshold the contract sets); `checked` = ("name",
  "id_number") or ("name", "id_number", "photo"); `reference` = the check's
  serial number (核查流水号) for the audit trail.
- **电子社保卡** (the national electronic social security card): the person
  signs in with the card in their app and the platform receives a signed
  assertion of name, ID number and card serial from the ministry's service.
  Result: `verified` when the signature checks and the asserted name and
  number equal the submitted ones; `checked` = ("name", "id_number",
  "card"); `reference` = the assertion's serial.
- **支付宝 / 微信 实名** (Alipay / WeChat real-name, by OAuth): the person
  authorises the platform, which receives the platform's user id, whether
  the user is certified, and a masked name and ID number (or a match answer
  for the submitted ones). Result: `verified` only when the user is
  certified and the submitted name and number match; `checked` = ("name",
  "id_number", "third_party"); `reference` = the third party's user id.

A provider never stores anything: the caller keeps the ID number (encrypted)
only when `verified` is true, and refuses it when another account already
holds it. The development provider checks the GB 11643 check digit and
nothing else, says so in `checked` and `note`, and refuses to start outside
development and test (`dependencies.build_identity`).
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
    #: what was actually compared: "check_digit", "name", "id_number", "photo", "card", ...
    checked: tuple[str, ...]
    #: a message-catalogue code explaining the result, or None
    note: str | None = None
    #: the provider's serial number of this check, kept in the audit record
    reference: str | None = None


class RealNameProvider(Protocol):
    """Verifies that a name and an ID number belong to one real person."""

    name: str
    #: False for a provider that checks less than a person's identity (development only)
    real: bool

    async def verify(self, full_name: str, id_number: str) -> RealNameResult: ...


class CheckDigitOnlyProvider:
    """The development provider: checks the GB 11643 check digit and nothing else."""

    name = "development-check-digit-only"
    real = False

    async def verify(self, full_name: str, id_number: str) -> RealNameResult:
        ok = is_valid_resident_id(id_number) and bool(full_name.strip())
        return RealNameResult(
            verified=ok,
            provider=self.name,
            checked=("check_digit",),
            note="identity.realname_check_digit_only",
        )
