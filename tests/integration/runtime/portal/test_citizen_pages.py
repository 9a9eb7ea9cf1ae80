"""Sign-in, sign-out and 我的办件 on the subsites, over HTTP against the real services.

The pages call the identity services the JSON API calls: the tests compare their
answers with the API's, follow one sign-in across two subsites, try an open
redirect through `next`, post without the CSRF token, and look at another
citizen's case."""

from __future__ import annotations

from pathlib import Path

from tests.integration.runtime.cases.conftest import FOOD_APPLICATION
from tests.integration.runtime.portal.signing import (
    CHENGGUAN,
    HTML,
    MY_CASES,
    SIGN_IN,
    Client,
    csrf,
    field_error,
    post_code,
    send_code,
    sign_in,
    signed_in_as,
    value,
)
from tests.integration.security.people import phone_for, sms_code
from yiwang.platform.i18n import translate

MAIJI = "620503"  # 天水市麦积区: another prefecture's county


async def test_sms_sign_in_registers_keeps_input_and_counts_everywhere(
    client: Client, tmp_path: Path, cleanup: str, accounts: list[int]
) -> None:
    phone = phone_for(cleanup, 1)
    blank = await client.get(SIGN_IN, headers=HTML)
    assert blank.status_code == 200
    assert '<label for="phone">手机号码</label>' in blank.text
    assert f'href="{SIGN_IN}"' in blank.text  # the header's 登录, signed out
    # a malformed number: the service's own message, beside the field, the input kept
    bad = await client.post(
        SIGN_IN, data={"action": "send_code", "phone": "12x", "_csrf": csrf(client)}, headers=HTML
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "phone") == translate("identity.phone_invalid")
    assert value(bad.text, "phone") == "12x"
    sent = await send_code(client, phone)
    assert "验证码已发送" in sent and value(sent, "phone") == phone
    # a second code within the minute: the API's throttle, shown at the number
    again = await client.post(
        SIGN_IN, data={"action": "send_code", "phone": phone, "_csrf": csrf(client)}, headers=HTML
    )
    assert again.status_code == 429
    assert field_error(again.text, "phone")
    # a wrong code: the one answer the API gives every failed sign-in, at the code field
    wrong = await post_code(client, phone, "000000")
    assert wrong.status_code in (401, 422), wrong.text
    api = await client.post("/api/v1/auth/sms/login", json={"phone": phone, "code": "000000"})
    assert api.status_code == wrong.status_code
    assert field_error(wrong.text, "code") == api.json()["error"]["message"]
    assert value(wrong.text, "phone") == phone
    assert "000000" not in wrong.text  # a code is never shown again
    # the right code: signed in (the first sign-in registered the citizen), sent on
    done = await post_code(client, phone, sms_code(tmp_path, phone), MY_CASES)
    assert done.status_code == 303 and done.headers["location"] == MY_CASES
    assert (await signed_in_as(client, accounts))["kind"] == "citizen"
    # one login across all subsites: another prefecture's county names the same person
    masked = phone[:3] + "****" + phone[-4:]
    elsewhere = await client.get(f"/r/{MAIJI}/", headers=HTML)
    assert elsewhere.status_code == 200
    assert f"您好，{masked}" in elsewhere.text
    assert f'href="/r/{MAIJI}/my/cases">我的办件</a>' in elsewhere.text
    assert f'action="/r/{MAIJI}/signout"' in elsewhere.text
    assert f'href="/r/{MAIJI}/signin' not in elsewhere.text


async def test_next_goes_nowhere_off_the_site(
    client: Client, tmp_path: Path, cleanup: str, accounts: list[int]
) -> None:
    home = f"/r/{CHENGGUAN}/"
    for hostile in (
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        page = await client.get(SIGN_IN, params={"next": hostile}, headers=HTML)
        assert page.status_code == 200
        assert 'name="next" value="/r/620102/"' in page.text, hostile
        assert 'value="//evil' not in page.text and 'value="https://evil' not in page.text
    # a control character never reaches the page: the edge refuses the query
    header_split = await client.get(
        SIGN_IN, params={"next": "/r/620102/\r\nSet-Cookie: a=b"}, headers=HTML
    )
    assert header_split.status_code == 422 and "Set-Cookie" not in header_split.headers
    # posted directly, past the page: the successful sign-in still stays on the site
    where = await sign_in(client, tmp_path, phone_for(cleanup, 2), accounts, "//evil.example/x")
    assert where == home
    # and a path of this site is honoured
    client.cookies.clear()
    where = await sign_in(client, tmp_path, phone_for(cleanup, 3), accounts, f"/r/{MAIJI}/open")
    assert where == f"/r/{MAIJI}/open"


async def test_password_refusals_are_the_apis_one_answer(client: Client, cleanup: str) -> None:
    await client.get(SIGN_IN, headers=HTML)
    login = f"nobody.{cleanup}"
    page = await client.post(
        SIGN_IN,
        data={"action": "password", "login": login, "password": "wrong", "_csrf": csrf(client)},
        headers=HTML,
    )
    api = await client.post("/api/v1/auth/login", json={"login": login, "password": "wrong"})
    assert page.status_code == api.status_code == 401
    assert field_error(page.text, "password") == api.json()["error"]["message"]
    assert value(page.text, "login") == login
    assert 'type="password" value=""' in page.text  # the password is not sent back
    unknown = await client.post(
        SIGN_IN, data={"action": "other", "_csrf": csrf(client)}, headers=HTML
    )
    assert unknown.status_code == 422 and "请选择登录方式" in unknown.text


async def test_sign_out_needs_the_csrf_token(
    client: Client, tmp_path: Path, cleanup: str, accounts: list[int]
) -> None:
    await sign_in(client, tmp_path, phone_for(cleanup, 4), accounts)
    refused = await client.post(
        f"/r/{CHENGGUAN}/signout", data={}, headers=HTML, follow_redirects=False
    )
    assert refused.status_code == 403 and "防跨站请求令牌" in refused.text
    assert (await client.get("/api/v1/me")).status_code == 200  # still signed in
    out = await client.post(
        f"/r/{CHENGGUAN}/signout",
        data={"_csrf": csrf(client)},
        headers=HTML,
        follow_redirects=False,
    )
    assert out.status_code == 303 and out.headers["location"] == f"/r/{CHENGGUAN}/"
    assert (await client.get("/api/v1/me")).status_code == 401
    home = await client.get(f"/r/{CHENGGUAN}/", headers=HTML)
    assert "您好" not in home.text and f'href="{SIGN_IN}' in home.text


async def test_my_cases_timeline_and_withdrawal(
    client: Client, tmp_path: Path, cleanup: str, accounts: list[int]
) -> None:
    # signed out: the page sends the browser to sign in and back; an API client gets 401
    away = await client.get(MY_CASES, headers=HTML, follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == f"{SIGN_IN}?next=/r/620102/my/cases"
    assert (await client.get(MY_CASES, headers={"accept": "application/json"})).status_code == 401

    assert await sign_in(client, tmp_path, phone_for(cleanup, 5), accounts, MY_CASES) == MY_CASES
    empty = await client.get(MY_CASES, headers=HTML)
    assert empty.status_code == 200 and "您在城关区还没有办件" in empty.text
    opened = await client.post(
        f"/api/v1/t/{CHENGGUAN}/cases",
        json=FOOD_APPLICATION,
        headers={"x-csrf-token": csrf(client)},
    )
    assert opened.status_code == 201, opened.text
    number = opened.json()["number"]
    case_url = f"{MY_CASES}/{number}"

    listing = await client.get(MY_CASES, headers=HTML)
    assert f'<a href="{case_url}">{number}</a>' in listing.text
    assert "<td>待受理</td>" in listing.text
    colour = (await client.get(f"/api/v1/t/{CHENGGUAN}/cases/{number}")).json()["colour"]
    assert colour == "green", colour  # the route's promised limit has just started
    assert '<span class="colour colour-green">正常</span>' in listing.text
    case = await client.get(case_url, headers=HTML)
    assert case.status_code == 200
    assert "<strong>提交申请</strong>" in case.text
    assert f'href="{case_url}/withdraw"' in case.text

    confirm = await client.get(f"{case_url}/withdraw", headers=HTML)
    assert confirm.status_code == 200 and "确认撤回" in confirm.text
    # no token, no withdrawal
    forged = await client.post(f"{case_url}/withdraw", data={"reason": "x"}, headers=HTML)
    assert forged.status_code == 403
    # too long a reason: beside its field, kept
    long_reason = "因" * 501
    too_long = await client.post(
        f"{case_url}/withdraw", data={"reason": long_reason, "_csrf": csrf(client)}, headers=HTML
    )
    assert too_long.status_code == 422
    assert field_error(too_long.text, "reason") == "撤回原因不能超过 500 个字。"
    assert long_reason in too_long.text
    assert "待受理" in (await client.get(case_url, headers=HTML)).text
    done = await client.post(
        f"{case_url}/withdraw",
        data={"reason": "材料准备不全", "_csrf": csrf(client)},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"{case_url}?done=withdrawn"
    after = await client.get(done.headers["location"], headers=HTML)
    assert "办件已撤回" in after.text and '<dd class="case-status">已撤回</dd>' in after.text
    assert "<strong>申请人撤回</strong><br>说明：材料准备不全" in after.text
    assert f'href="{case_url}/withdraw"' not in after.text
    api = await client.get(f"/api/v1/t/{CHENGGUAN}/cases/{number}")
    assert api.json()["status"] == "withdrawn"
    # a second withdrawal: the engine refuses, the page says why
    twice = await client.post(f"{case_url}/withdraw", data={"_csrf": csrf(client)}, headers=HTML)
    assert twice.status_code == 409, twice.text
    assert '<p class="form-error" role="alert">' in twice.text

    # another citizen: the case is not found, on the page and at its withdrawal
    client.cookies.clear()
    await sign_in(client, tmp_path, phone_for(cleanup, 6), accounts)
    theirs = await client.get(case_url, headers=HTML)
    assert theirs.status_code == 404 and "页面不存在" in theirs.text
    assert number not in (await client.get(MY_CASES, headers=HTML)).text
    steal = await client.post(f"{case_url}/withdraw", data={"_csrf": csrf(client)}, headers=HTML)
    assert steal.status_code == 404
