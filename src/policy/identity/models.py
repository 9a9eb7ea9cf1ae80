"""Accounts: one per person or organisation, valid on every subsite of the province.

Accounts are not tenant-owned. A citizen's one login works in every region,
and a login must be resolved before any tenant context exists. Staff carry a
home tenant and department for display and defaults. What they may do is
decided only by their policy grants.

Personal identifiers are never stored in the clear. The phone and ID number
columns hold AES-GCM ciphertexts (`crypto`), and each has a keyed
blind index beside it for lookups. A citizen's login is their phone number, so
`login` holds its masked form for display and `login_index` is what is unique.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.platform.models import Base, Timestamps

ACCOUNT_KINDS = ("staff", "citizen", "legal")


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
    totp_secret_enc: Mapped[str | None] = mapped_column(Text)
    failed_logins: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column()
    last_login_at: Mapped[datetime | None] = mapped_column()
    realname_verified_at: Mapped[datetime | None] = mapped_column()
    realname_provider: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default=text("'active'"))

    __table_args__ = (
        CheckConstraint("kind IN ('staff','citizen','legal')", name="kind"),
        CheckConstraint("status IN ('active','disabled')", name="status"),
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
        Index("ix_accounts_phone_index", "phone_index"),
        Index("ix_accounts_id_number_index", "id_number_index"),
        Index("ix_accounts_tenant_id", "tenant_id"),
    )
