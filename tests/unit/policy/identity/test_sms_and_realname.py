from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.policy.identity.fakes import FakeClock, FakeRedis
from yiwang.platform.errors import InvalidInput, ServiceUnavailable
from yiwang.platform.message_log import read_messages
from yiwang.policy.identity.realname import CheckDigitOnlyProvider
from yiwang.policy.identity.sms import DevelopmentSmsGateway, SmsCodes


def make(tmp_path: Path, **kw: int) -> tuple[SmsCodes, FakeRedis, FakeClock, Path]:
    clock = FakeClock()
    redis = FakeRedis(clock)
    log = tmp_path / "sms.log"
    codes = SmsCodes(redis, DevelopmentSmsGateway(log), b"k" * 32, **kw)  # type: ignore[arg-type]
    return codes, redis, clock, log


def last_code(log: Path) -> str:
    message = read_messages(log)[-1]
    found = re.search(r"验证码为 (\d{6})", message["text"])
    assert found, message
    return found.group(1)


async def test_code_is_written_to_the_log_and_accepted_once(tmp_path: Path) -> None:
    codes, redis, _, log = make(tmp_path)
    await codes.issue("13812345678")
    entry = read_messages(log)[0]
    assert entry["phone"] == "13812345678" and "5 分钟内有效" in entry["text"]
    code = last_code(log)
    assert all(code.encode() not in value for value, _ in redis.data.values()), "stored hashed"
    await codes.verify("13812345678", code)
    with pytest.raises(InvalidInput) as info:
        await codes.verify("13812345678", code)
    assert info.value.code == "identity.sms_code_invalid"


async def test_wrong_code_then_guesses_run_out(tmp_path: Path) -> None:
    codes, _, _, log = make(tmp_path, max_attempts=3)
    await codes.issue("13812345678")
    code = last_code(log)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        with pytest.raises(InvalidInput):
            await codes.verify("13812345678", wrong)
    with pytest.raises(InvalidInput):
        await codes.verify("13812345678", code)  # the right code, too late


async def test_code_expires(tmp_path: Path) -> None:
    codes, _, clock, log = make(tmp_path, ttl_seconds=300)
    await codes.issue("13812345678")
    clock.advance(301)
    with pytest.raises(InvalidInput):
        await codes.verify("13812345678", last_code(log))


async def test_a_new_code_replaces_the_old_one(tmp_path: Path) -> None:
    codes, _, _, log = make(tmp_path)
    await codes.issue("13812345678")
    first = last_code(log)
    await codes.issue("13812345678")
    second = last_code(log)
    if first != second:
        with pytest.raises(InvalidInput):
            await codes.verify("13812345678", first)
    await codes.verify("13812345678", second)


async def test_redis_down_refuses_to_issue_or_accept(tmp_path: Path) -> None:
    codes, redis, _, log = make(tmp_path)
    redis.down = True
    with pytest.raises(ServiceUnavailable):
        await codes.issue("13812345678")
    assert read_messages(log) == []
    with pytest.raises(ServiceUnavailable):
        await codes.verify("13812345678", "123456")


async def test_development_realname_provider_says_what_it_checked() -> None:
    provider = CheckDigitOnlyProvider()
    ok = await provider.verify("张三", "11010519491231002X")
    assert ok.verified and ok.checked == ("check_digit",)
    assert ok.note == "identity.realname_check_digit_only"
    bad = await provider.verify("张三", "110105194912310021")
    assert not bad.verified
