"""Outside development and test, the development SMS gateway and real-name provider refuse
to start; a real one is named by a setting."""

from __future__ import annotations

import base64
import os
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from yiwang.app import build_platform
from yiwang.platform.errors import InvalidInput
from yiwang.platform.settings import Settings
from yiwang.policy.identity.crypto import generate_key
from yiwang.policy.identity.dependencies import load_provider, production_providers
from yiwang.policy.identity.inputs import malformed_login, printable
from yiwang.policy.identity.realname import CheckDigitOnlyProvider, RealNameResult
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.policy.identity.sms import DevelopmentSmsGateway
from yiwang.runtime.certificates.keys import private_key_pem


class RealGateway:
    real = True

    async def send(self, phone: str, text: str) -> None:
        raise AssertionError("not sent in this test")


class RealProvider:
    name = "test-real"
    real = True

    async def verify(self, full_name: str, id_number: str) -> RealNameResult:
        return RealNameResult(False, self.name, ("name", "id_number"))


def make_real_provider() -> RealProvider:
    return RealProvider()


def ident(tmp_path: Path) -> IdentitySettings:
    return IdentitySettings.from_env(replace(Settings(), var_dir=tmp_path))


@pytest.mark.parametrize("environment", ["production", "staging"])
def test_development_providers_refuse_to_start_outside_development(
    tmp_path: Path, environment: str
) -> None:
    settings = ident(tmp_path)
    with pytest.raises(InvalidInput) as sms:
        production_providers(environment, settings, None, RealProvider())
    assert sms.value.code == "identity.development_provider"
    assert sms.value.params["setting"] == "YIWANG_SMS_GATEWAY"
    assert "明文" in sms.value.message()
    with pytest.raises(InvalidInput) as realname:
        production_providers(environment, settings, RealGateway(), None)
    assert realname.value.params["setting"] == "YIWANG_REALNAME_PROVIDER"
    gateway, provider = production_providers(environment, settings, RealGateway(), RealProvider())
    assert gateway.real and provider.real


def test_development_providers_run_in_development_and_test(tmp_path: Path) -> None:
    for environment in ("development", "test"):
        gateway, provider = production_providers(environment, ident(tmp_path), None, None)
        assert isinstance(gateway, DevelopmentSmsGateway)
        assert isinstance(provider, CheckDigitOnlyProvider)


def test_a_real_provider_is_named_by_its_factory(tmp_path: Path) -> None:
    settings = replace(
        ident(tmp_path),
        realname_provider=f"{__name__}:make_real_provider",
        sms_gateway=f"{__name__}:RealGateway",
    )
    gateway, provider = production_providers("production", settings, None, None)
    assert isinstance(provider, RealProvider) and isinstance(gateway, RealGateway)
    with pytest.raises(InvalidInput) as bad:
        load_provider("no.such.module:factory", "YIWANG_REALNAME_PROVIDER")
    assert bad.value.code == "identity.provider_unavailable"


def test_untrusted_text_is_recorded_escaped() -> None:
    assert printable("a\x00b\u202ec", 10) == "a\\u0000b\\u202ec"
    assert printable("x" * 100) == "x" * 64
    assert malformed_login("ok\x00") and malformed_login("") and malformed_login("y" * 129)
    assert not malformed_login("zhang.san") and not malformed_login("13800138000")


async def test_the_application_refuses_to_start_in_production_with_development_providers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`YIWANG_ENV=production` with the keys set but no real SMS gateway or real-name
    provider: building the platform fails before anything serves."""
    for name in ("YIWANG_INDEX_KEY", "YIWANG_SMS_SECRET"):
        monkeypatch.setenv(name, generate_key())
    monkeypatch.setenv("YIWANG_FIELD_KEYS", f"k1:{generate_key()}")
    monkeypatch.setenv("YIWANG_ENV", "production")
    with pytest.raises(InvalidInput) as info:
        build_platform(Settings.from_env())
    assert info.value.code == "identity.development_provider"
    monkeypatch.setenv("YIWANG_SMS_GATEWAY", f"{__name__}:RealGateway")
    monkeypatch.setenv("YIWANG_REALNAME_PROVIDER", f"{__name__}:make_real_provider")
    # what production needs beyond identity (each refused on its own in its own tests)
    monkeypatch.setenv("YIWANG_CLAMD_ADDRESS", "127.0.0.1:3310")
    monkeypatch.setenv(
        "YIWANG_ATTACHMENT_TOKEN_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode()
    )
    monkeypatch.setenv(
        "YIWANG_CERTIFICATE_SIGNING_KEY",
        private_key_pem(ed25519.Ed25519PrivateKey.generate()).decode(),
    )
    monkeypatch.setenv(
        "YIWANG_CERTIFICATE_VERIFY_URL", "https://zwfw.example.gov.cn/verify/{identifier}"
    )
    platform = build_platform(Settings.from_env())
    try:
        assert isinstance(platform.identity.realname, RealProvider)
    finally:
        await platform.cache.close()
        await platform.engine.dispose()
