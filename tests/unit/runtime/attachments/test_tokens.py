"""The local backend's signed links: purpose-bound, tamper-evident, expiring."""

from __future__ import annotations

import pytest

from yiwang.runtime.attachments import tokens
from yiwang.runtime.attachments.errors import TokenInvalid

KEY = b"k" * 32


def test_a_token_carries_its_claims_until_it_expires() -> None:
    token = tokens.sign("upload", {"k": "t/1/incoming/ab", "s": 5}, key=KEY, expires_at=1000)
    assert tokens.verify("upload", token, key=KEY, now=999.5) == {
        "k": "t/1/incoming/ab",
        "s": 5,
        "exp": 1000,
    }
    with pytest.raises(TokenInvalid):
        tokens.verify("upload", token, key=KEY, now=1000.5)


def test_a_token_is_good_for_its_purpose_and_key_only() -> None:
    token = tokens.sign("download", {"k": "t/1/attachments/ab"}, key=KEY, expires_at=10**10)
    for purpose, key in (("upload", KEY), ("download", b"x" * 32)):
        with pytest.raises(TokenInvalid) as info:
            tokens.verify(purpose, token, key=key, now=0)
        assert info.value.code == "attachments.token_invalid"


def test_a_changed_claim_breaks_the_signature() -> None:
    token = tokens.sign("upload", {"s": 5}, key=KEY, expires_at=10**10)
    forged = tokens.sign("upload", {"s": 5_000_000}, key=b"y" * 32, expires_at=10**10)
    mixed = forged.split(".")[0] + "." + token.split(".")[1]
    for bad in (mixed, token + "x", "nonsense", "a.b.c", "."):
        with pytest.raises(TokenInvalid):
            tokens.verify("upload", bad, key=KEY, now=0)
