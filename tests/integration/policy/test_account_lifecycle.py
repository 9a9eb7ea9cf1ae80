"""Issue 8, finding 2 over HTTP: nobody who creates or resets an account holds its factors,
and nobody who held an account's code grants it a separated duty (三员分立)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import psycopg

from tests.integration.http_app import Http, error_of
from tests.integration.staff import PASSWORD, create_staff, secret_of, totp_code

CODE = re.compile(r"([A-HJ-NP-Z2-9]{4}-)*[A-HJ-NP-Z2-9]{4}")
SECRET_KEYS = {"initial_password", "password", "password_hash", "totp_uri", "totp_secret"}
NEW_PASSWORD = "Nq4$wZr8pL"


async def activate_over_http(http: Http, login: str, code: str, password: str) -> str:
    """The person's activation through the public API; returns the TOTP secret enrolled."""
    started = await http.post(
        "/api/v1/auth/activation", json={"login": login, "code": code, "password": password}
    )
    assert started.status_code == 200, started.text
    secret = secret_of(started.json()["totp_uri"])
    confirmed = await http.post(
        "/api/v1/auth/activation/confirm",
        json={"login": login, "code": code, "password": password, "totp": totp_code(secret)},
    )
    assert confirmed.status_code == 200, confirmed.text
    http.client.cookies.clear()
    return secret


async def test_the_creator_receives_a_code_and_cannot_make_the_account_a_separated_duty(
    http: Http, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    """The attack of the finding: a security admin creates an account, activates it
    themselves with the code, grants it system_admin and signs in as it."""
    sec, _ = await http.staff(f"sec.{cleanup}", "620000", [("security_admin", "620000", True)])
    admin, _ = await http.staff(f"pa.{cleanup}", "620000", [("province_admin", "620000", True)])
    login = f"mole.{cleanup}"
    created = await http.post("/api/v1/t/620000/users", sec, json={"login": login})
    assert created.status_code == 201, created.text
    body = created.json()
    assert not SECRET_KEYS & set(body), body
    assert CODE.fullmatch(body["activation_code"]) and body["status"] == "pending"
    # Nothing signs in to the new account: it has no password yet.
    for password in (PASSWORD, body["activation_code"]):
        resp = await http.post(
            "/api/v1/auth/login", json={"login": login, "password": password, "totp": "000000"}
        )
        assert error_of(resp) == (401, "identity.login_failed")
    grant = {"login": login, "role": "system_admin", "subtree": True}
    # Before its person set their factors, the code's holder could be the person.
    assert error_of(await http.post("/api/v1/t/620000/roles/grants", sec, json=grant)) == (
        409,
        "policy.duty_needs_activation",
    )
    # The creator uses the code themselves, as the attack did...
    await activate_over_http(http, login, body["activation_code"], "Mole#Pass42")
    refused = await http.post("/api/v1/t/620000/roles/grants", sec, json=grant)
    assert error_of(refused) == (403, "policy.duty_factor_holder")
    row = admin_sql.execute(
        "SELECT outcome, detail->>'error' FROM audit_log WHERE action = 'role.grant'"
        " AND detail->>'login' = %s ORDER BY seq DESC LIMIT 1",
        (login,),
    ).fetchone()
    assert row == ("denied", "policy.duty_factor_holder")
    # ...while an administrator who never held the code may grant it.
    allowed = await http.post("/api/v1/t/620000/roles/grants", admin, json=grant)
    assert allowed.status_code == 201, allowed.text


async def test_a_person_activates_with_their_own_factors_once(http: Http, cleanup: str) -> None:
    login = f"own.{cleanup}"
    code = (await create_staff(http.services, login, "620102"))["activation_code"]
    activation = "/api/v1/auth/activation"
    weak = await http.post(activation, json={"login": login, "code": code, "password": "abc"})
    assert error_of(weak) == (422, "identity.password_invalid")
    wrong = await http.post(
        activation, json={"login": login, "code": "AAAA-BBBB-CCCC-DDDD-EEEE", "password": PASSWORD}
    )
    ghost = await http.post(
        activation, json={"login": f"ghost.{cleanup}", "code": code, "password": PASSWORD}
    )
    assert error_of(wrong) == error_of(ghost) == (401, "identity.activation_failed")
    assert wrong.json() == ghost.json()
    started = await http.post(activation, json={"login": login, "code": code, "password": PASSWORD})
    secret = secret_of(started.json()["totp_uri"])
    confirm = "/api/v1/auth/activation/confirm"
    bad_totp = await http.post(
        confirm, json={"login": login, "code": code, "password": PASSWORD, "totp": "000000"}
    )
    assert bad_totp.json() == wrong.json()
    done = await http.post(
        confirm,
        json={"login": login, "code": code, "password": PASSWORD, "totp": totp_code(secret)},
    )
    assert done.status_code == 200, done.text
    http.client.cookies.clear()
    me = await http.get("/api/v1/me", {"authorization": f"Bearer {done.json()['token']}"})
    assert (me.json()["status"], me.json()["totp_enrolled"]) == ("active", True)
    # The code is spent.
    again = await http.post(activation, json={"login": login, "code": code, "password": PASSWORD})
    assert again.json() == wrong.json()


async def _expired(
    http: Http, login: str, admin_sql: psycopg.Connection
) -> tuple[dict[str, str], dict[str, str], str]:
    """A county operator whose password is 91 days old, signed in twice: the activation's
    session and a sign-in after the password expired (bearer headers of each, the secret).
    Three codes of the secret in all, with the password change's: the verifier's window."""
    other, secret = await http.activated_staff(
        login, "620102", [("county_operator", "620102", False)]
    )
    admin_sql.execute(
        "UPDATE accounts SET password_changed_at = now() - interval '91 days' WHERE login = %s",
        (login,),
    )
    signed = await http.post(
        "/api/v1/auth/login",
        json={"login": login, "password": PASSWORD, "totp": totp_code(secret)},
    )
    assert signed.json()["password_expired"] is True
    http.client.cookies.clear()
    return other, {"authorization": f"Bearer {signed.json()['token']}"}, secret


async def test_an_expired_password_allows_nothing_but_changing_it(
    http: Http, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    login = f"old.{cleanup}"
    other, auth, secret = await _expired(http, login, admin_sql)
    for path in ("/api/v1/me", "/api/v1/t/620102/roles"):
        assert error_of(await http.get(path, auth)) == (403, "identity.password_expired")
    change = "/api/v1/me/password"
    wrong = await http.post(
        change,
        auth,
        json={"current_password": "Wrong#Pass1", "new_password": NEW_PASSWORD, "totp": "000000"},
    )
    assert error_of(wrong) == (403, "identity.reauthentication_failed")
    changed = await http.post(
        change,
        auth,
        json={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "totp": totp_code(secret),
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["password_expired"] is False
    http.client.cookies.clear()
    # This session was replaced; every other one ended; the new one reaches everything.
    assert error_of(await http.get("/api/v1/me", auth)) == (401, "auth.required")
    assert error_of(await http.get("/api/v1/me", other)) == (401, "identity.session_ended")
    renewed = {"authorization": f"Bearer {changed.json()['token']}"}
    assert (await http.get("/api/v1/t/620102/roles", renewed)).status_code == 200
    old = await http.post(
        "/api/v1/auth/login", json={"login": login, "password": PASSWORD, "totp": "000000"}
    )
    assert error_of(old) == (401, "identity.login_failed")


async def test_an_expired_password_is_not_changed_to_itself(
    http: Http, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    login = f"same.{cleanup}"
    _, auth, secret = await _expired(http, login, admin_sql)
    same = await http.post(
        "/api/v1/me/password",
        auth,
        json={"current_password": PASSWORD, "new_password": PASSWORD, "totp": totp_code(secret)},
    )
    assert error_of(same) == (422, "identity.password_reused")
    # still expired: the refusal changed nothing
    assert error_of(await http.get("/api/v1/me", auth)) == (403, "identity.password_expired")


async def test_totp_is_re_enrolled_with_the_password_and_a_code_from_the_old_one(
    http: Http, cleanup: str
) -> None:
    login = f"phone.{cleanup}"
    # the activation's session: three codes of the old secret in all (the verifier's window)
    auth, old_secret = await http.activated_staff(
        login, "620102", [("window_clerk", "620102", False)]
    )
    refused = await http.post(
        "/api/v1/me/totp", auth, json={"password": "Wrong#Pass1", "totp": "000000"}
    )
    assert error_of(refused) == (403, "identity.reauthentication_failed")
    started = await http.post(
        "/api/v1/me/totp", auth, json={"password": PASSWORD, "totp": totp_code(old_secret)}
    )
    assert started.status_code == 200, started.text
    new_secret = secret_of(started.json()["totp_uri"])
    assert new_secret != old_secret
    confirmed = await http.post(
        "/api/v1/me/totp/confirm", auth, json={"totp": totp_code(new_secret)}
    )
    assert confirmed.status_code == 200, confirmed.text
    http.client.cookies.clear()
    assert error_of(await http.get("/api/v1/me", auth)) == (401, "auth.required")
    renewed = {"authorization": f"Bearer {confirmed.json()['token']}"}
    assert (await http.get("/api/v1/me", renewed)).status_code == 200
    stale = await http.post(
        "/api/v1/auth/login",
        json={"login": login, "password": PASSWORD, "totp": totp_code(old_secret)},
    )
    assert error_of(stale) == (401, "identity.login_failed")
    await http.sign_in(login, new_secret)


async def test_a_reset_needs_two_administrators_and_neither_holds_the_factors(
    http: Http, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    sec1, _ = await http.staff(f"sec1.{cleanup}", "620000", [("security_admin", "620000", True)])
    sec2, _ = await http.staff(f"sec2.{cleanup}", "620000", [("security_admin", "620000", True)])
    login = f"lost.{cleanup}"
    person, _ = await http.staff(login, "620102", [("window_clerk", "620102", False)])
    requested = await http.post(
        "/api/v1/t/620000/users/resets", sec1, json={"login": login, "reason": "手机遗失"}
    )
    assert requested.status_code == 201, requested.text
    reset_id, first = requested.json()["reset_id"], requested.json()["first_half"]
    listed = await http.get("/api/v1/t/620000/users/resets", sec2)
    assert reset_id in [r["reset_id"] for r in listed.json()]
    # Nothing changes before a second administrator approves; the requester cannot.
    assert (await http.get("/api/v1/me", person)).status_code == 200
    approve = f"/api/v1/t/620000/users/resets/{reset_id}/approve"
    assert error_of(await http.post(approve, sec1)) == (403, "identity.reset_same_admin")
    approved = await http.post(approve, sec2)
    assert approved.status_code == 200, approved.text
    second = approved.json()["second_half"]
    assert not SECRET_KEYS & set(approved.json()) and not SECRET_KEYS & set(requested.json())
    assert error_of(await http.post(approve, sec2)) == (409, "identity.reset_closed")
    # The person's sessions and factors are gone.
    assert error_of(await http.get("/api/v1/me", person)) == (401, "identity.session_ended")
    gone = await http.post(
        "/api/v1/auth/login", json={"login": login, "password": PASSWORD, "totp": "000000"}
    )
    assert error_of(gone) == (401, "identity.login_failed")
    # Either half alone activates nothing: each administrator holds only one.
    for alone in (first, second):
        resp = await http.post(
            "/api/v1/auth/activation",
            json={"login": login, "code": alone, "password": NEW_PASSWORD},
        )
        assert error_of(resp) == (401, "identity.activation_failed"), alone
    both = first + "-" + second
    await asyncio.sleep(1.1)  # three failures from this address: the next waits a second
    reused = await http.post(
        "/api/v1/auth/activation", json={"login": login, "code": both, "password": PASSWORD}
    )
    assert error_of(reused) == (422, "identity.password_reused")
    await activate_over_http(http, login, both, NEW_PASSWORD)
    # Both administrators held half a code: neither grants the account a separated duty.
    for admin in (sec1, sec2):
        resp = await http.post(
            "/api/v1/t/620000/roles/grants",
            admin,
            json={"login": login, "role": "audit_admin"},
        )
        assert error_of(resp) == (403, "policy.duty_factor_holder")
    holders: list[Any] = admin_sql.execute(
        "SELECT issued_by, approved_by FROM account_activations v JOIN accounts a"
        " ON a.id = v.account_id WHERE a.login = %s AND v.purpose = 'reset'",
        (login,),
    ).fetchall()
    assert holders == [(f"sec1.{cleanup}", f"sec2.{cleanup}")]
