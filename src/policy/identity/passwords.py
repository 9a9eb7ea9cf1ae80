"""Password rules and Argon2 hashing.

The defaults follow 等保 2.0 level 3 practice: at least 8 characters from 3 of
the 4 character classes, and no password from the common/breached list. Every
rule is configurable because a province's security office may ask for more.
A maximum length is enforced before hashing, so an oversized password is a
clear error instead of seconds of Argon2 work per request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from yiwang.platform.errors import ErrorDetail, InvalidInput

#: the list shipped with the package (one lower-case password a line)
COMMON_PASSWORDS_RESOURCE = "common_passwords.txt"

_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "l", "3": "e", "$": "s", "5": "s"})
_TRAILING_NOISE = re.compile(r"[^a-z]+$")
_LEADING_NOISE = re.compile(r"^[^a-z]+")


@lru_cache(maxsize=1)
def shipped_common_passwords() -> frozenset[str]:
    """The packaged list, read once per process."""
    text = (
        resources.files("yiwang.policy.identity")
        .joinpath(COMMON_PASSWORDS_RESOURCE)
        .read_text(encoding="utf-8")
    )
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def character_classes(password: str) -> int:
    """How many of A-Z, a-z, 0-9 and "other" (symbols, CJK, ...) occur."""
    upper = lower = digit = other = False
    for c in password:
        if "A" <= c <= "Z":
            upper = True
        elif "a" <= c <= "z":
            lower = True
        elif "0" <= c <= "9":
            digit = True
        else:
            other = True
    return upper + lower + digit + other


def _common_candidates(password: str) -> set[str]:
    """The forms of a password looked up in the list.

    `Password2024!` and `P@ssw0rd` are as weak as `password`: besides the
    password itself, its de-leeted form and its letters with leading and
    trailing digits/symbols removed are looked up too.
    """
    lowered = password.lower()
    forms = {lowered}
    core = _LEADING_NOISE.sub("", _TRAILING_NOISE.sub("", lowered))
    if len(core) >= 4:
        forms.add(core)
    for form in list(forms):
        leet = form.translate(_LEET)
        forms.add(leet)
        leet_core = _LEADING_NOISE.sub("", _TRAILING_NOISE.sub("", leet))
        if len(leet_core) >= 4:
            forms.add(leet_core)
    return forms


@dataclass(frozen=True)
class PasswordPolicy:
    """The configurable password rules."""

    min_length: int = 8
    #: in characters; protects Argon2 from oversized input
    max_length: int = 128
    min_classes: int = 3
    reject_common: bool = True
    reject_login: bool = True
    #: extra passwords to refuse (a breached-password list the operator supplies)
    extra_common: frozenset[str] = field(default_factory=frozenset)

    def problems(self, password: str, *, login: str | None = None) -> list[ErrorDetail]:
        """Every rule the password breaks (empty when it is acceptable)."""
        pointer = "/password"
        if len(password) > self.max_length:
            # Nothing else is examined: the input is refused as oversized.
            return [ErrorDetail("identity.password_too_long", pointer, {"max": self.max_length})]
        out: list[ErrorDetail] = []
        if len(password) < self.min_length:
            out.append(
                ErrorDetail("identity.password_too_short", pointer, {"min": self.min_length})
            )
        if character_classes(password) < self.min_classes:
            out.append(ErrorDetail("identity.password_classes", pointer, {"min": self.min_classes}))
        if self.reject_common and self.is_common(password):
            out.append(ErrorDetail("identity.password_common", pointer))
        if self.reject_login and login and len(login) >= 3 and login.lower() in password.lower():
            out.append(ErrorDetail("identity.password_contains_login", pointer))
        return out

    def is_common(self, password: str) -> bool:
        listed = shipped_common_passwords()
        return any(c in listed or c in self.extra_common for c in _common_candidates(password))

    def check(self, password: str, *, login: str | None = None) -> None:
        """Raise `InvalidInput("identity.password_invalid")` listing every broken rule."""
        problems = self.problems(password, login=login)
        if problems:
            raise InvalidInput("identity.password_invalid", pointer="/password", details=problems)

    @staticmethod
    def load_extra(lines: Iterable[str]) -> frozenset[str]:
        """Read an operator's list (one password a line, `#` comments) for `extra_common`."""
        return frozenset(s.strip().lower() for s in lines if s.strip() and not s.startswith("#"))


@dataclass(frozen=True)
class PasswordAge:
    """等保 2.0 level 3 asks for periodic change: a password expires after `max_age_days`
    (0: never), and a new one may not repeat the last `history` passwords."""

    max_age_days: int = 90
    history: int = 5

    def expired(self, changed_at: datetime | None, now: datetime) -> bool:
        if self.max_age_days <= 0:
            return False
        return changed_at is None or now - changed_at >= timedelta(days=self.max_age_days)


@dataclass(frozen=True)
class HashingParameters:
    """Argon2id cost. The defaults are RFC 9106's low-memory profile."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4

    @classmethod
    def for_tests(cls) -> HashingParameters:
        """Cheap parameters: tests hash hundreds of passwords."""
        return cls(time_cost=1, memory_cost_kib=1024, parallelism=1)


class PasswordHashing:
    """Argon2id hashing with a constant-cost path for unknown accounts."""

    def __init__(
        self, params: HashingParameters | None = None, policy: PasswordPolicy | None = None
    ) -> None:
        p = params or HashingParameters()
        self.policy = policy or PasswordPolicy()
        self._hasher = PasswordHasher(
            time_cost=p.time_cost,
            memory_cost=p.memory_cost_kib,
            parallelism=p.parallelism,
            type=Type.ID,
        )
        # Verified against when the login names no account, so that a wrong
        # login costs as much time as a wrong password.
        self._dummy_hash = self._hasher.hash("yiwang-no-such-account")

    def hash(self, password: str) -> str:
        if len(password) > self.policy.max_length:
            self.policy.check(password)  # raises: only the length is reported
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when `password` matches; an unknown account (None) costs the same and fails."""
        if len(password) > self.policy.max_length:
            return False
        try:
            ok = self._hasher.verify(stored_hash or self._dummy_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return bool(ok) and stored_hash is not None

    def needs_rehash(self, stored_hash: str) -> bool:
        return bool(self._hasher.check_needs_rehash(stored_hash))
