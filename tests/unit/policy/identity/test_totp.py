from __future__ import annotations

import pytest

from tests.unit.policy.identity.fakes import FakeClock, FakeRedis
from yiwang.platform.errors import InvalidInput, ServiceUnavailable
from yiwang.policy.identity.totp import (
    MemoryUsedCodeStore,
    RedisUsedCodeStore,
    TotpVerifier,
    new_secret,
    provisioning_uri,
)

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T0 = 1_800_000_010.0  # 10 s into a 30 s step


async def test_a_code_is_accepted_once() -> None:
    verifier = TotpVerifier(MemoryUsedCodeStore())
    code = verifier.code_at(SECRET, T0)
    await verifier.verify("acct:1", SECRET, code, at=T0)
    with pytest.raises(InvalidInput) as info:
        await verifier.verify("acct:1", SECRET, code, at=T0 + 5)
    assert info.value.code == "identity.totp_reused"


async def test_reuse_is_caught_by_another_worker_sharing_redis() -> None:
    redis = FakeRedis(FakeClock(T0))
    worker_a = TotpVerifier(RedisUsedCodeStore(redis))  # type: ignore[arg-type]
    worker_b = TotpVerifier(RedisUsedCodeStore(redis))  # type: ignore[arg-type]
    code = worker_a.code_at(SECRET, T0)
    await worker_a.verify("acct:1", SECRET, code, at=T0)
    with pytest.raises(InvalidInput) as info:
        await worker_b.verify("acct:1", SECRET, code, at=T0 + 1)
    assert info.value.code == "identity.totp_reused"


async def test_the_same_code_value_for_another_account_is_independent() -> None:
    verifier = TotpVerifier(MemoryUsedCodeStore())
    code = verifier.code_at(SECRET, T0)
    await verifier.verify("acct:1", SECRET, code, at=T0)
    await verifier.verify("acct:2", SECRET, code, at=T0)


async def test_one_step_of_drift_is_tolerated_two_are_not() -> None:
    verifier = TotpVerifier(MemoryUsedCodeStore())
    previous = verifier.code_at(SECRET, T0 - 30)
    await verifier.verify("acct:1", SECRET, previous, at=T0)
    expired = verifier.code_at(SECRET, T0 - 60)
    with pytest.raises(InvalidInput) as info:
        await verifier.verify("acct:2", SECRET, expired, at=T0)
    assert info.value.code == "identity.totp_invalid"


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "000000"])
async def test_wrong_or_malformed_codes(code: str) -> None:
    verifier = TotpVerifier(MemoryUsedCodeStore())
    if code == "000000" and verifier.code_at(SECRET, T0) == code:
        pytest.skip("the fixed secret happens to produce 000000")
    with pytest.raises(InvalidInput) as info:
        await verifier.verify("acct:1", SECRET, code, at=T0)
    assert info.value.code == "identity.totp_invalid"
    assert info.value.pointer == "/totp"


async def test_store_down_refuses_the_code() -> None:
    redis = FakeRedis(FakeClock(T0))
    redis.down = True
    verifier = TotpVerifier(RedisUsedCodeStore(redis))  # type: ignore[arg-type]
    with pytest.raises(ServiceUnavailable) as info:
        await verifier.verify("acct:1", SECRET, verifier.code_at(SECRET, T0), at=T0)
    assert info.value.code == "identity.security_unavailable"


async def test_used_marks_expire_after_the_window() -> None:
    clock = FakeClock(T0)
    redis = FakeRedis(clock)
    store = RedisUsedCodeStore(redis)  # type: ignore[arg-type]
    assert await store.mark_used("k", 120)
    assert not await store.mark_used("k", 120)
    clock.advance(121)
    assert await store.mark_used("k", 120)


def test_enrolment_helpers() -> None:
    secret = new_secret()
    assert len(secret) == 32
    uri = provisioning_uri(secret, "zhangsan")
    assert uri.startswith("otpauth://totp/") and "secret=" + secret in uri
