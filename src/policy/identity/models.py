"""Accounts: one per person or organisation, valid on every subsite of the province.

Accounts are not tenant-owned. A citizen's one login works in every region,
and a login must be resolved before any tenant context exists. Staff carry a
home tenant and department for display and defaults. What they may do is
decided only by their policy grants.

Personal identifiers are never stored in the clear. The phone and ID number
columns hold AES-GCM ciphertexts (`crypto`), and each has a keyed
blind index beside it for lookups. A citizen's login is their phone number, so
`login` holds its masked form for display and `login_index` is what is unique.
A verified ID number belongs to one account: its blind index is unique.

An account starts `pending`: nobody but the person who activates it ever sets
its password and TOTP secret. Activation codes (`account_activations`) are
stored hashed, expire, work once, and name who held them, because nobody may
grant a separated duty (三员分立) to an account whose codes they held.
`session_version` is bumped by everything that must end the account's
sessions (disabling, a reset, a new password or TOTP secret, "end sessions");
every session carries the version it started under.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.platform.models import Base, Timestamps

ACCOUNT_KINDS = ("staff", "citizen", "legal")
#: pending: created, its person has not set their own factors yet
ACCOUNT_STATUSES = ("pending", "active", "disabled")
ACTIVATION_PURPOSES = ("create", "reset")


class Account(Timestamps, Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    #: staff login name, credit code, or (citizens) the masked phone number
    login: Mapped[str] = mapped_column(Text)
    #: blind index of (kind, normalised login): what sign-in looks up
    login_index: Mapped[str] = mapped_column(Text, unique=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    #: staff only: home tenant and department key (display and defaults, not rights)
    tenant_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("tenants.id"))
    department_key: Mapped[str | None] = mapped_column(Text)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_index: Mapped[str | None] = mapped_column(Text)
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_index: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str | None] = mapped_column(Text)
    #: when the person last set their password (expiry is counted from here)
    password_changed_at: Mapped[datetime | None] = mapped_column()
    #: hashes of earlier passwords, newest first: a change may not reuse them
    password_history: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    totp_secret_enc: Mapped[str | None] = mapped_column(Text)
    #: a TOTP secret being re-enrolled, until a code from it confirms it
    totp_pending_enc: Mapped[str | None] = mapped_column(Text)
    totp_pending_at: Mapped[datetime | None] = mapped_column()
    failed_logins: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column()
    last_login_at: Mapped[datetime | None] = mapped_column()
    realname_verified_at: Mapped[datetime | None] = mapped_column()
    realname_provider: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default=text("'active'"))
    session_version: Mapped[int] = mapped_column(BigInteger, server_default=text("1"))

    __table_args__ = (
        CheckConstraint("kind IN ('staff','citizen','legal')", name="kind"),
        CheckConstraint("status IN ('pending','active','disabled')", name="status"),
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
        Index("ix_accounts_phone_index", "phone_index"),
        Index(
            "uq_accounts_id_number_index",
            "id_number_index",
            unique=True,
            postgresql_where=text("id_number_index IS NOT NULL"),
        ),
        Index("ix_accounts_tenant_id", "tenant_id"),
    )


class Activation(Base):
    """A one-time code with which a person sets their own password and TOTP secret.

    `create`: issued to whoever created the account. `reset`: requested by one
    administrator (who receives the first half of the code), approved by
    another (who receives the second); until approved it activates nothing.
    """

    __tablename__ = "account_activations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    purpose: Mapped[str] = mapped_column(Text)
    #: SHA-256 of the code (for a reset awaiting approval, of its first half)
    code_hash: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    #: who held the code (or its first half): the audit actor and, for people, the account
    issued_by: Mapped[str] = mapped_column(Text)
    issued_by_account: Mapped[int | None] = mapped_column(BigInteger)
    #: a reset's second administrator, who held the second half
    approved_by: Mapped[str | None] = mapped_column(Text)
    approved_by_account: Mapped[int | None] = mapped_column(BigInteger)
    approved_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    #: what the person chose in the first step, until a TOTP code confirms it
    pending_password_hash: Mapped[str | None] = mapped_column(Text)
    pending_totp_enc: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("purpose IN ('create','reset')", name="purpose"),
        Index("ix_account_activations_account_id", "account_id"),
    )

    def holders(self) -> list[tuple[str, int | None]]:
        """Who held this code or a half of it: (actor, account id or None)."""
        out: list[tuple[str, int | None]] = [(self.issued_by, self.issued_by_account)]
        if self.approved_by is not None:
            out.append((self.approved_by, self.approved_by_account))
        return out


def as_history(value: Any) -> list[str]:
    """The stored password history as a list of hashes, whatever the column held."""
    return [h for h in value if isinstance(h, str)] if isinstance(value, list) else []


class LegalAgent(Base):
    """经办人: a citizen who may act for an enterprise (a `legal` account).

    Named by the enterprise itself; acting for it is a session of the enterprise's
    account that names the agent (`sessions.Session.agent_id`). A revocation deletes
    the row; the audit trail keeps both.
    """

    __tablename__ = "legal_agents"

    legal_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    granted_at: Mapped[datetime] = mapped_column(server_default=func.now())
    #: the audit actor who named the agent
    granted_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("legal_id <> agent_id", name="not_self"),
        Index("ix_legal_agents_agent_id", "agent_id"),
    )
