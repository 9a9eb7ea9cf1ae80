from __future__ import annotations

import time

import pytest

from yiwang.platform.errors import InvalidInput
from yiwang.policy.identity.passwords import (
    HashingParameters,
    PasswordHashing,
    PasswordPolicy,
    character_classes,
    shipped_common_passwords,
)

POLICY = PasswordPolicy()


def codes(password: str, policy: PasswordPolicy = POLICY, login: str | None = None) -> list[str]:
    return [d.code for d in policy.problems(password, login=login)]


def test_a_strong_password_passes() -> None:
    assert codes("Hx7#qLm2vT") == []
    POLICY.check("Hx7#qLm2vT")


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab1#xyz", "identity.password_too_short"),
        ("abcdefgh12", "identity.password_classes"),  # 2 classes
        ("ABCDEFGH!!", "identity.password_classes"),
        ("P@ssw0rd", "identity.password_common"),
        ("Password2024!", "identity.password_common"),
        ("1qaz@WSX", "identity.password_common"),
        ("Huawei@123", "identity.password_common"),
        ("!!Admin123", "identity.password_common"),
        ("Woaini1314!", "identity.password_common"),
    ],
)
def test_rules_name_what_is_wrong(password: str, code: str) -> None:
    assert code in codes(password)


def test_check_raises_one_error_listing_every_problem() -> None:
    with pytest.raises(InvalidInput) as info:
        POLICY.check("abc")
    assert info.value.code == "identity.password_invalid"
    assert info.value.pointer == "/password"
    assert {d.code for d in info.value.details} == {
        "identity.password_too_short",
        "identity.password_classes",
    }
    assert "至少为 8 位" in info.value.details[0].message()


def test_password_containing_the_login_is_refused() -> None:
    assert "identity.password_contains_login" in codes("Zhangsan#2024x", login="zhangsan")
    assert codes("Zhangsan#2024x", login="li") == []


def test_rules_are_configurable() -> None:
    strict = PasswordPolicy(min_length=12, min_classes=4, extra_common=frozenset({"hx7#qlm2vt"}))
    assert "identity.password_too_short" in codes("Hx7#qLm2vT", strict)
    assert "identity.password_common" in codes("Hx7#qLm2vT", strict)
    assert codes("abcdefgh", PasswordPolicy(min_classes=1, reject_common=False)) == []


def test_shipped_list_is_loaded_from_the_package() -> None:
    listed = shipped_common_passwords()
    assert {"123456", "password", "woaini1314", "p@ssw0rd"} <= listed
    assert all(p == p.lower() for p in listed)


def test_character_classes() -> None:
    assert character_classes("aA1!") == 4
    assert character_classes("密码Aa") == 3  # CJK counts as "other"


def test_oversized_password_is_refused_before_any_hashing() -> None:
    hashing = PasswordHashing(HashingParameters.for_tests())
    huge = "Aa1!" * 250_000  # a megabyte
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as info:
        hashing.hash(huge)
    assert [d.code for d in info.value.details] == ["identity.password_too_long"]
    assert hashing.verify(hashing.hash("Hx7#qLm2vT"), huge) is False
    assert time.perf_counter() - started < 0.5


def test_hash_and_verify() -> None:
    hashing = PasswordHashing(HashingParameters.for_tests())
    stored = hashing.hash("Hx7#qLm2vT")
    assert stored.startswith("$argon2id$")
    assert hashing.verify(stored, "Hx7#qLm2vT")
    assert not hashing.verify(stored, "Hx7#qLm2vt")
    assert not hashing.verify("not a hash", "Hx7#qLm2vT")


def test_unknown_account_fails_after_the_same_work() -> None:
    hashing = PasswordHashing(HashingParameters.for_tests())
    # The dummy hash's own password still fails when there is no account.
    assert hashing.verify(None, "yiwang-no-such-account") is False


def test_needs_rehash_when_parameters_grow() -> None:
    cheap = PasswordHashing(HashingParameters.for_tests())
    stored = cheap.hash("Hx7#qLm2vT")
    assert not cheap.needs_rehash(stored)
    assert PasswordHashing(HashingParameters(time_cost=2, memory_cost_kib=2048)).needs_rehash(
        stored
    )
