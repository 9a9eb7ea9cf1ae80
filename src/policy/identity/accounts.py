"""Creating, finding and presenting accounts.

Three kinds share one table: staff (a login name chosen by an administrator),
citizens (their mobile number) and legal persons (their unified social credit
code). Logins are normalised and validated per kind, then looked up through a
blind index, so that a citizen's phone number is never stored in the clear
and yet one account is found from any subsite.

Nobody who creates an account learns a usable secret of it: staff and legal
persons start `pending`, without a password or TOTP secret, and set both
themselves with an activation code (`enrolment`). Citizens need none: they
sign in with a code sent to their phone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.errors import Conflict, InvalidInput
from yiwang.policy.identity.codes import normalise_phone, parse_credit_code, parse_resident_id
from yiwang.policy.identity.crypto import FieldCipher, mask_id_number, mask_phone
from yiwang.policy.identity.inputs import has_control
from yiwang.policy.identity.models import ACCOUNT_KINDS, Account
from yiwang.policy.identity.passwords import PasswordHashing
from yiwang.policy.identity.realname import RealNameProvider, RealNameResult

_STAFF_LOGIN = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")

# Blind-index and encryption contexts: a value indexed or sealed for one
# column cannot be matched or decrypted as another.
LOGIN_CONTEXT = "accounts.login"
PHONE_CONTEXT = "accounts.phone"
ID_NUMBER_CONTEXT = "accounts.id_number"
TOTP_CONTEXT = "accounts.totp_secret"
#: kinds whose people set a password (and, for staff, a TOTP secret) by activation
ACTIVATED_KINDS = ("staff", "legal")
_MAX_NAME = 128


def normalise_login(kind: str, login: str) -> tuple[str, str]:
    """(normalised login, what may be displayed) for `kind`, or raise InvalidInput."""
    if kind not in ACCOUNT_KINDS:
        raise InvalidInput("identity.login_kind_invalid", pointer="/kind", kind=kind[:20])
    if kind == "citizen":
        phone = normalise_phone(login, pointer="/login")
        return phone, mask_phone(phone)
    if kind == "legal":
        code = parse_credit_code(login, pointer="/login").code
        return code, code
    name = login.strip().lower()
    if not _STAFF_LOGIN.match(name):
        raise InvalidInput("request.field_invalid", pointer="/login", detail="a-z0-9_.-, 3-64")
    return name, name


def kind_of_login(login: str) -> str:
    """Guess the account kind from the shape of a login typed at the sign-in page."""
    digits = re.sub(r"[\s+-]", "", login)
    if digits.isdigit() and len(digits) in (11, 13, 15):
        return "citizen"
    if len(login.strip()) == 18:
        return "legal"
    return "staff"


class Accounts:
    def __init__(self, cipher: FieldCipher, hashing: PasswordHashing) -> None:
        self.cipher = cipher
        self.hashing = hashing

    def login_index(self, kind: str, normalised: str) -> str:
        return self.cipher.blind_index(f"{kind}:{normalised}", LOGIN_CONTEXT)

    async def find(self, session: AsyncSession, kind: str, login: str) -> Account | None:
        """The account for a login, or None (also for a malformed login)."""
        try:
            normalised, _ = normalise_login(kind, login)
        except InvalidInput:
            return None
        index = self.login_index(kind, normalised)
        found: Account | None = await session.scalar(
            select(Account).where(Account.login_index == index)
        )
        return found

    async def get(self, session: AsyncSession, account_id: int) -> Account | None:
        return await session.get(Account, account_id)

    async def create(
        self,
        session: AsyncSession,
        *,
        kind: str,
        login: str,
        display_name: str | None = None,
        tenant_id: int | None = None,
        department_key: str | None = None,
    ) -> Account:
        """Create an account without any secret: staff and legal persons start `pending`
        until their person activates it; citizens are active at once."""
        normalised, shown = normalise_login(kind, login)
        name = check_display_name(display_name)
        account = Account(
            kind=kind,
            login=shown,
            login_index=self.login_index(kind, normalised),
            display_name=name,
            tenant_id=tenant_id,
            department_key=department_key,
            failed_logins=0,
            status="pending" if kind in ACTIVATED_KINDS else "active",
            session_version=1,
            password_history=[],
        )
        if kind == "citizen":
            account.phone_enc = self.cipher.encrypt(normalised, PHONE_CONTEXT)
            account.phone_index = self.cipher.blind_index(normalised, PHONE_CONTEXT)
        try:
            async with session.begin_nested():
                session.add(account)
                await session.flush()
        except IntegrityError as exc:
            raise Conflict("identity.login_taken", pointer="/login", login=shown) from exc
        return account

    def totp_secret(self, account: Account) -> str | None:
        if account.totp_secret_enc is None:
            return None
        return self.cipher.decrypt(account.totp_secret_enc, TOTP_CONTEXT)

    def seal_totp(self, secret: str) -> str:
        return self.cipher.encrypt(secret, TOTP_CONTEXT)

    def open_totp(self, sealed: str) -> str:
        return self.cipher.decrypt(sealed, TOTP_CONTEXT)

    async def verify_real_name(
        self,
        session: AsyncSession,
        account: Account,
        provider: RealNameProvider,
        *,
        full_name: str,
        id_number: str,
    ) -> RealNameResult:
        """Ask the provider; on success store the ID number, encrypted, with the result.

        A verified ID number belongs to one person: when another account already
        holds it, the verification is refused (`identity.id_number_taken`) and
        nothing is stored. The refusal comes only after the provider has
        confirmed the name and number belong together, so it tells nothing to
        someone who merely tries numbers; the unique blind index settles two
        verifications at once.
        """
        number = parse_resident_id(id_number).number
        name = check_display_name(full_name, pointer="/full_name") or ""
        index = self.cipher.blind_index(number, ID_NUMBER_CONTEXT)
        result = await provider.verify(name, number)
        if result.verified:
            if await self._id_number_holder(session, index, account.id) is not None:
                raise Conflict("identity.id_number_taken", pointer="/id_number")
            account.id_number_enc = self.cipher.encrypt(number, ID_NUMBER_CONTEXT)
            account.id_number_index = index
            account.display_name = name
            account.realname_verified_at = datetime.now(UTC)
            account.realname_provider = result.provider
            try:
                async with session.begin_nested():
                    await session.flush()
            except IntegrityError as exc:
                raise Conflict("identity.id_number_taken", pointer="/id_number") from exc
        return result

    @staticmethod
    async def _id_number_holder(session: AsyncSession, index: str, own_id: int) -> int | None:
        found: int | None = await session.scalar(
            select(Account.id).where(Account.id_number_index == index, Account.id != own_id)
        )
        return found

    def profile(self, account: Account, *, own: bool) -> dict[str, Any]:
        """The account as shown in a response: identifiers masked unless it is the owner's."""
        phone = self.cipher.decrypt(account.phone_enc, PHONE_CONTEXT) if account.phone_enc else None
        id_number = (
            self.cipher.decrypt(account.id_number_enc, ID_NUMBER_CONTEXT)
            if account.id_number_enc
            else None
        )
        return {
            "id": account.id,
            "kind": account.kind,
            "login": phone if (own and phone and account.kind == "citizen") else account.login,
            "display_name": account.display_name,
            "tenant_id": account.tenant_id,
            "department": account.department_key,
            "phone": (phone if own else mask_phone(phone)) if phone else None,
            "id_number": (id_number if own else mask_id_number(id_number)) if id_number else None,
            "realname_verified": account.realname_verified_at is not None,
            "status": account.status,
            "totp_enrolled": account.totp_secret_enc is not None,
        }


def check_display_name(value: str | None, *, pointer: str = "/display_name") -> str | None:
    """A person's or organisation's name, trimmed; control characters and overlong names
    are refused (they would reach audit records and every page that shows the name)."""
    if value is None:
        return None
    name = value.strip()
    if not name or len(name) > _MAX_NAME or has_control(name):
        raise InvalidInput("identity.name_invalid", pointer=pointer, max=_MAX_NAME)
    return name
