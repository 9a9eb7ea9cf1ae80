"""企业经办人 on the subsite: the enterprise names a person on the page, the person acts for
it from their own page and lands on the enterprise's 我的办件; the enterprise revokes on
the page and carries on signed in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from tests.integration.http_client import client_for
from tests.integration.policy.test_realname import id_number
from tests.integration.runtime.portal.signing import (
    CHENGGUAN,
    HTML,
    MY_CASES,
    Client,
    csrf,
    field_error,
    sign_in,
    value,
)
from tests.integration.runtime.test_legal_agents import credit_code
from tests.integration.security.people import phone_for
from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD
from yiwang.platform.i18n import translate
from yiwang.platform.settings import Settings

AGENTS = f"/r/{CHENGGUAN}/my/agents"


@pytest.fixture
async def enterprise_login(
    services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> AsyncIterator[str]:
    login = credit_code(cleanup)
    created = await services.account_admin(
        "create",
        login=login,
        kind="legal",
        tenant_code=None,
        department=None,
        display_name="城关测试商贸有限公司",
        actor=None,
    )
    await services.run(
        services.enrolment.activate, login, created["activation_code"], PASSWORD, ip="10.9.9.9"
    )
    yield login
    admin_sql.execute("DELETE FROM account_activations WHERE account_id = %s", (created["id"],))
    admin_sql.execute("DELETE FROM accounts WHERE id = %s", (created["id"],))


async def _password_sign_in(client: Client, login: str) -> None:
    await client.get(f"/r/{CHENGGUAN}/signin", headers=HTML)
    done = await client.post(
        f"/r/{CHENGGUAN}/signin",
        data={"action": "password", "login": login, "password": PASSWORD, "_csrf": csrf(client)},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


async def test_an_enterprise_names_a_person_who_acts_for_it_then_revokes(
    client: Client,
    migrated: Settings,
    tmp_path: Path,
    cleanup: str,
    accounts: list[int],
    enterprise_login: str,
) -> None:
    phone = phone_for(cleanup, 4)
    # the person (`client`): signed in once by SMS, real-name verified
    await sign_in(client, tmp_path, phone, accounts)
    own = await client.get(AGENTS, headers=HTML)
    assert translate("portal.agents.no_enterprise") in own.text
    verified = await client.post(
        f"/r/{CHENGGUAN}/my/realname",
        data={"full_name": "赵经办", "id_number": id_number(cleanup), "_csrf": csrf(client)},
        headers=HTML,
    )
    assert verified.status_code == 200, verified.text

    async with client_for(migrated, var_dir=tmp_path) as company:  # the enterprise's browser
        await _password_sign_in(company, enterprise_login)
        page = await company.get(AGENTS, headers=HTML)
        assert page.status_code == 200 and translate("portal.agents.none") in page.text
        bad = await company.post(
            AGENTS, data={"phone": "12x", "_csrf": csrf(company)}, headers=HTML
        )
        assert bad.status_code == 422
        assert field_error(bad.text, "phone") and value(bad.text, "phone") == "12x"
        named = await company.post(
            AGENTS,
            data={"phone": phone, "_csrf": csrf(company)},
            headers=HTML,
            follow_redirects=False,
        )
        assert named.status_code == 303 and named.headers["location"] == AGENTS + "?done=named"
        listed = await company.get(AGENTS + "?done=named", headers=HTML)
        assert "赵经办" in listed.text and translate("portal.agents.done.named") in listed.text
        revoke = re.search(r'action="(/r/\d+/my/agents/\d+/revoke)"', listed.text)
        assert revoke is not None

        mine = await client.get(AGENTS, headers=HTML)
        act = re.search(r'action="(/r/\d+/my/agents/act/\d+)"', mine.text)
        assert act is not None and "城关测试商贸有限公司" in mine.text
        acting = await client.post(
            act.group(1), data={"_csrf": csrf(client)}, headers=HTML, follow_redirects=False
        )
        assert acting.status_code == 303 and acting.headers["location"] == MY_CASES
        cases = await client.get(MY_CASES, headers=HTML)
        assert enterprise_login in cases.text and "经办人" in cases.text  # the header names both
        shown = await client.get(AGENTS, headers=HTML)
        assert "您正在以" in shown.text and enterprise_login in shown.text

        revoked = await company.post(
            revoke.group(1), data={"_csrf": csrf(company)}, headers=HTML, follow_redirects=False
        )
        assert revoked.status_code == 303, revoked.text
        after = await company.get(revoked.headers["location"], headers=HTML)
        assert after.status_code == 200  # still signed in: the fresh session's cookie was set
        assert translate("portal.agents.done.revoked") in after.text
        assert translate("portal.agents.none") in after.text
    # the person's acting session ended with the revocation
    ended = await client.get(MY_CASES, headers=HTML, follow_redirects=False)
    assert ended.status_code in (302, 303)


async def test_the_forms_need_their_csrf_token(
    client: Client, tmp_path: Path, cleanup: str, accounts: list[int]
) -> None:
    await sign_in(client, tmp_path, phone_for(cleanup, 8), accounts)
    await client.get(AGENTS, headers=HTML)
    for path in (AGENTS, AGENTS + "/1/revoke", AGENTS + "/act/1"):
        forged = await client.post(path, data={"phone": "13900000000"}, headers=HTML)
        assert forged.status_code == 403, path
