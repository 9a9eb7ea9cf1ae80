"""实名认证 on the subsite: the page asks the provider the API asks, keeps the name as typed,
never shows the number again, and refuses a number another person has verified."""

from __future__ import annotations

from pathlib import Path

import psycopg

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
from tests.integration.security.people import phone_for
from yiwang.platform.i18n import translate

REALNAME = f"/r/{CHENGGUAN}/my/realname"


async def _verify(client: Client, name: str, number: str) -> tuple[int, str]:
    answer = await client.post(
        REALNAME,
        data={"full_name": name, "id_number": number, "_csrf": csrf(client)},
        headers=HTML,
    )
    return answer.status_code, answer.text


async def test_a_citizen_verifies_their_name_and_the_number_stays_theirs(
    client: Client,
    tmp_path: Path,
    cleanup: str,
    accounts: list[int],
    admin_sql: psycopg.Connection,
) -> None:
    signed_out = await client.get(REALNAME, headers=HTML, follow_redirects=False)
    assert signed_out.status_code in (302, 303)
    assert signed_out.headers["location"].startswith(f"/r/{CHENGGUAN}/signin?next=")

    await sign_in(client, tmp_path, phone_for(cleanup, 1), accounts)
    mine = await client.get(MY_CASES, headers=HTML)
    assert f'href="{REALNAME}"' in mine.text
    blank = await client.get(REALNAME, headers=HTML)
    assert blank.status_code == 200
    assert '<label for="id_number">居民身份证号码</label>' in blank.text

    number = id_number(cleanup)
    wrong_digit = number[:-1] + ("0" if number[-1] != "0" else "1")
    status, page = await _verify(client, "张三", wrong_digit)
    assert status == 422
    assert field_error(page, "id_number") == translate("identity.id_number_check_digit")
    assert value(page, "full_name") == "张三"
    assert wrong_digit not in page  # the number is never written back into the page

    status, page = await _verify(client, "张三", number)
    assert status == 200, page
    assert "实名认证已通过：张三" in page
    assert '<form method="post" action="' + REALNAME not in page
    (verified,) = admin_sql.execute(
        "SELECT count(*) FROM accounts WHERE id = %s AND realname_verified_at IS NOT NULL"
        " AND display_name = '张三'",
        (accounts[-1],),
    ).fetchone() or (0,)
    assert verified == 1
    again = await client.get(REALNAME, headers=HTML)
    assert "您已通过实名认证：张三" in again.text

    client.cookies.clear()  # another person, with the same number
    await sign_in(client, tmp_path, phone_for(cleanup, 2), accounts)
    await client.get(REALNAME, headers=HTML)
    status, page = await _verify(client, "李四", number)
    assert status == 409
    assert field_error(page, "id_number") == translate("identity.id_number_taken")
    (held,) = admin_sql.execute(
        "SELECT count(*) FROM accounts WHERE id = %s AND id_number_index IS NOT NULL",
        (accounts[-1],),
    ).fetchone() or (1,)
    assert held == 0


async def test_the_form_needs_its_csrf_token(
    client: Client, tmp_path: Path, cleanup: str, accounts: list[int]
) -> None:
    await sign_in(client, tmp_path, phone_for(cleanup, 3), accounts)
    forged = await client.post(
        REALNAME, data={"full_name": "王五", "id_number": id_number(cleanup)}, headers=HTML
    )
    assert forged.status_code == 403
