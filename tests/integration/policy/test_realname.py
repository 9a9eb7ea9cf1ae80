"""Issue 8, finding 7: a verified ID number belongs to one person. Two accounts with
different names and the same number were both verified; the second is now refused,
clearly, audited, and nothing of it is stored."""

from __future__ import annotations

import time

import psycopg
import pytest

from tests.integration.stack import Stack
from yiwang.platform.errors import Conflict
from yiwang.policy.identity.codes import resident_id_check_digit
from yiwang.policy.identity.profiles import Profiles
from yiwang.policy.identity.sessions import Session


def id_number(tag: str) -> str:
    first17 = "620102" + "19900101" + str(int(tag, 16) % 1000).zfill(3)
    return first17 + resident_id_check_digit(first17)


def phone(tag: str, prefix: str) -> str:
    return prefix + str(int(tag, 16) % 10**8).zfill(8)


async def citizen_session(services: Stack, number: str) -> Session:
    created = await services.account_admin(
        "create",
        login=number,
        kind="citizen",
        tenant_code=None,
        department=None,
        display_name=None,
        actor=None,
    )
    now = time.time()
    return Session(created["id"], "citizen", False, now, now, 1800)


async def verify(services: Stack, session: Session, name: str, number: str) -> dict[str, object]:
    async with services.unit() as uow:
        profiles = Profiles(uow, services.accounts, services.identity.realname)
        return await profiles.verify_real_name(session, full_name=name, id_number=number)


async def test_one_id_number_belongs_to_one_account(
    services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    number = id_number(cleanup)
    first = await citizen_session(services, phone(cleanup, "133"))
    second = await citizen_session(services, phone(cleanup, "134"))
    try:
        assert (await verify(services, first, "张三", number))["verified"] is True
        with pytest.raises(Conflict) as refused:
            await verify(services, second, "李四", number)
        assert refused.value.code == "identity.id_number_taken"
        assert "只属于一个人" in refused.value.message()
        stored = admin_sql.execute(
            "SELECT id_number_index IS NULL, realname_verified_at IS NULL, display_name"
            " FROM accounts WHERE id = %s",
            (second.account_id,),
        ).fetchone()
        assert stored == (True, True, None)
        row = admin_sql.execute(
            "SELECT outcome, detail->>'error' FROM audit_log WHERE action = 'identity.realname'"
            " AND object_id = %s",
            (str(second.account_id),),
        ).fetchone()
        assert row == ("failure", "identity.id_number_taken")
        # The owner may verify again (a new name after a change, say).
        assert (await verify(services, first, "张三", number))["verified"] is True
    finally:
        admin_sql.execute(
            "DELETE FROM accounts WHERE id = ANY(%s)", ([first.account_id, second.account_id],)
        )
