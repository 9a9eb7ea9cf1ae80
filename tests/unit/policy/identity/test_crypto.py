from __future__ import annotations

import pytest

from yiwang.platform.errors import InvalidInput
from yiwang.policy.identity.crypto import (
    FieldCipher,
    generate_key,
    mask_id_number,
    mask_login,
    mask_name,
    mask_phone,
)

K1, K2, INDEX = generate_key(), generate_key(), generate_key()


def cipher(keys: dict[str, str] | None = None, current: str = "k1") -> FieldCipher:
    return FieldCipher.from_settings(keys or {"k1": K1}, current, INDEX)


def test_round_trip_and_randomised_ciphertexts() -> None:
    c = cipher()
    a = c.encrypt("620102199001011234", "accounts.id_number")
    b = c.encrypt("620102199001011234", "accounts.id_number")
    assert a != b and a.startswith("v1.k1.")
    assert "620102" not in a
    assert c.decrypt(a, "accounts.id_number") == "620102199001011234"


def test_ciphertext_is_bound_to_its_column() -> None:
    c = cipher()
    token = c.encrypt("13812345678", "accounts.phone")
    with pytest.raises(InvalidInput) as info:
        c.decrypt(token, "accounts.id_number")
    assert info.value.code == "identity.ciphertext_invalid"


def test_tampering_is_detected() -> None:
    c = cipher()
    token = c.encrypt("13812345678", "accounts.phone")
    body = token.split(".", 2)[2]
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    for bad in (token[:-4], "v1.k1." + flipped, "v2" + token[2:], "v1.zz." + body, "garbage"):
        with pytest.raises(InvalidInput):
            c.decrypt(bad, "accounts.phone")


def test_key_rotation_keeps_old_values_readable() -> None:
    old = cipher()
    token = old.encrypt("13812345678", "accounts.phone")
    rotated = cipher({"k1": K1, "k2": K2}, "k2")
    assert rotated.decrypt(token, "accounts.phone") == "13812345678"
    assert rotated.needs_reencryption(token)
    assert not rotated.needs_reencryption(rotated.encrypt("x", "accounts.phone"))


def test_blind_index_is_deterministic_keyed_and_contextual() -> None:
    c = cipher()
    assert c.blind_index("13812345678", "phone") == c.blind_index("13812345678", "phone")
    assert c.blind_index("13812345678", "phone") != c.blind_index("13812345678", "id")
    other = FieldCipher.from_settings({"k1": K1}, "k1", generate_key())
    assert c.blind_index("13812345678", "phone") != other.blind_index("13812345678", "phone")


@pytest.mark.parametrize(
    ("keys", "current", "index"),
    [
        ({"k1": "short"}, "k1", INDEX),
        ({"k1": K1}, "k9", INDEX),
        ({"k.1": K1}, "k.1", INDEX),
        ({"k1": K1}, "k1", "!!!"),
    ],
)
def test_bad_key_settings_are_refused(keys: dict[str, str], current: str, index: str) -> None:
    with pytest.raises(InvalidInput) as info:
        FieldCipher.from_settings(keys, current, index)
    assert info.value.code == "identity.field_key_invalid"


def test_masks() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("620102199001011234") == "620102********1234"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_login("13812345678") == "138****5678"
    assert mask_login("62010219900101123X") == "620102********123X"
    assert mask_login("zhangsan") == "zhangsan"
