"""Signatures (detached JWS, Ed25519), key sets, and the key provider's rules."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from yiwang.platform.settings import Settings
from yiwang.runtime.certificates.errors import CertificateSettingsInvalid
from yiwang.runtime.certificates.keys import (
    development_key,
    load_public_keys,
    load_signer,
    parse_private_key,
    private_key_pem,
)
from yiwang.runtime.certificates.settings import CertificateSettings
from yiwang.runtime.certificates.signing import (
    Ed25519PublicKey,
    Ed25519Signer,
    PublicKeySet,
    Signature,
    b64url,
    b64url_decode,
    check,
    read_header,
    sign,
    signing_input,
)

PRODUCTION = Settings(environment="production")

# RFC 8037, appendix A: an Ed25519 key, its RFC 7638 thumbprint and a JWS it signed.
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC8037_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)


def test_the_rfc_8037_key_gets_its_published_thumbprint_as_key_id() -> None:
    signer = Ed25519Signer(parse_private_key(RFC8037_D))
    assert signer.public_key().as_jwk()["x"] == RFC8037_X
    assert signer.kid == RFC8037_THUMBPRINT


def test_the_signing_input_is_that_of_jws() -> None:
    protected, payload, signature = RFC8037_JWS.split(".")
    signer = Ed25519Signer(parse_private_key(RFC8037_D))
    message = signing_input(protected, b64url_decode(payload))
    assert message == f"{protected}.{payload}".encode()
    assert signer.public_key().verify(b64url_decode(signature), message)
    assert b64url(signer.sign(message)) == signature  # Ed25519 is deterministic


def test_a_signature_names_its_key_and_what_it_signs(signer: Ed25519Signer) -> None:
    sig = sign(b'{"a":1}', signer, "yiwang-certificate+json")
    header = read_header(sig)
    assert header is not None
    assert (header.alg, header.kid, header.typ) == ("EdDSA", signer.kid, "yiwang-certificate+json")
    assert check(b'{"a":1}', sig, signer.public_key(), header)
    assert not check(b'{"a":2}', sig, signer.public_key(), header)
    other = Ed25519Signer.generate()
    assert not check(b'{"a":1}', sig, other.public_key(), header)


def test_a_signature_that_is_not_base64url_is_simply_false(signer: Ed25519Signer) -> None:
    sig = sign(b"x", signer, "t")
    header = read_header(sig)
    assert header is not None
    assert not check(
        b"x", Signature(sig.protected, sig.signature + "=="), signer.public_key(), header
    )
    assert read_header(Signature("not base64!", sig.signature)) is None


def test_the_key_set_round_trips_as_a_jwk_set(signer: Ed25519Signer) -> None:
    second = Ed25519Signer.generate(kid="2026-rotation")
    keys = PublicKeySet([signer.public_key(), second.public_key()])
    exported = json.loads(keys.to_json())
    assert [k["kid"] for k in exported["keys"]] == [signer.kid, "2026-rotation"]
    assert exported["keys"][0] == {
        "alg": "EdDSA",
        "crv": "Ed25519",
        "kid": signer.kid,
        "kty": "OKP",
        "use": "sig",
        "x": b64url(signer.public_key().raw()),
    }
    again = PublicKeySet.from_json(keys.to_json())
    assert again.as_jwks() == keys.as_jwks()
    key = again.get("2026-rotation")
    assert isinstance(key, Ed25519PublicKey) and key.raw() == second.public_key().raw()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (b"[]", "certificates.settings.key_set_shape"),
        (b"{", "certificates.settings.key_set_shape"),
        (b'{"keys": [{"kty": "RSA"}]}', "certificates.settings.key_set_entry"),
        (
            b'{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}]}',
            "certificates.settings.key_set_entry",
        ),
    ],
)
def test_a_bad_key_set_is_refused(value: bytes, code: str) -> None:
    with pytest.raises(CertificateSettingsInvalid) as exc:
        PublicKeySet.from_json(value)
    assert exc.value.code == code


def test_one_key_id_cannot_name_two_keys() -> None:
    a, b = Ed25519Signer.generate(kid="k"), Ed25519Signer.generate(kid="k")
    with pytest.raises(CertificateSettingsInvalid) as exc:
        PublicKeySet([a.public_key(), b.public_key()])
    assert exc.value.code == "certificates.settings.kid_conflict"


# --- the key provider


def _seed(key: ed25519.Ed25519PrivateKey) -> str:
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return b64url(raw)


def test_development_key_is_generated_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "dev.pem"
    settings = CertificateSettings(environment="development", dev_key_file=path)
    first = load_signer(settings)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_signer(settings).kid == first.kid
    assert [p.name for p in path.parent.iterdir()] == ["dev.pem"]  # no temporary left behind


def test_a_key_written_by_another_process_first_wins(tmp_path: Path) -> None:
    path = tmp_path / "dev.pem"
    theirs = ed25519.Ed25519PrivateKey.generate()
    path.write_bytes(private_key_pem(theirs))
    assert _seed(development_key(path)) == _seed(theirs)


def test_production_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    env = {"YIWANG_CERTIFICATE_VERIFY_URL": "https://zwfw.example.gov.cn/v/{identifier}"}
    with pytest.raises(CertificateSettingsInvalid) as exc:
        CertificateSettings.from_env(PRODUCTION, env)
    assert exc.value.code == "certificates.settings.key_required"
    settings = CertificateSettings(environment="production", dev_key_file=tmp_path / "dev.pem")
    with pytest.raises(CertificateSettingsInvalid):
        load_signer(settings)
    assert not (tmp_path / "dev.pem").exists()


def test_production_refuses_the_loopback_verification_address() -> None:
    key = _seed(ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(CertificateSettingsInvalid) as exc:
        CertificateSettings.from_env(PRODUCTION, {"YIWANG_CERTIFICATE_SIGNING_KEY": key})
    assert exc.value.code == "certificates.settings.verify_url_required"


def test_production_reads_the_key_from_a_file_or_the_environment(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    pem = tmp_path / "signing.pem"
    pem.write_bytes(private_key_pem(key))
    url = {"YIWANG_CERTIFICATE_VERIFY_URL": "https://zwfw.example.gov.cn/v/{identifier}"}
    from_file = CertificateSettings.from_env(
        PRODUCTION,
        {
            **url,
            "YIWANG_CERTIFICATE_SIGNING_KEY_FILE": str(pem),
            "YIWANG_CERTIFICATE_KEY_ID": "gs-2026",
        },
    )
    from_seed = CertificateSettings.from_env(
        PRODUCTION, {**url, "YIWANG_CERTIFICATE_SIGNING_KEY": _seed(key)}
    )
    from_pem = CertificateSettings.from_env(
        PRODUCTION, {**url, "YIWANG_CERTIFICATE_SIGNING_KEY": pem.read_text()}
    )
    signers = [load_signer(s) for s in (from_file, from_seed, from_pem)]
    assert signers[0].kid == "gs-2026"
    assert signers[1].kid == signers[2].kid != "gs-2026"
    raws = {s.public_key().raw() for s in signers}
    assert len(raws) == 1


@pytest.mark.parametrize(
    ("env", "code"),
    [
        (
            {"YIWANG_CERTIFICATE_SIGNING_KEY": "x", "YIWANG_CERTIFICATE_SIGNING_KEY_FILE": "/k"},
            "certificates.settings.key_ambiguous",
        ),
        (
            {"YIWANG_CERTIFICATE_VERIFY_URL": "https://a.example/verify"},
            "certificates.settings.verify_url_placeholder",
        ),
        ({"YIWANG_CERTIFICATE_FONT_INDEX": "-1"}, "certificates.settings.font_index"),
    ],
)
def test_unworkable_settings_are_refused_even_in_development(
    env: dict[str, str], code: str
) -> None:
    with pytest.raises(CertificateSettingsInvalid) as exc:
        CertificateSettings.from_env(Settings(environment="development"), env)
    assert exc.value.code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "certificates.key.unreadable_pem",
        ),
        ("c2hvcnQ", "certificates.key.seed_format"),
        ("not base64 at all!", "certificates.key.seed_format"),
    ],
)
def test_unreadable_keys_are_refused(text: str, code: str) -> None:
    with pytest.raises(CertificateSettingsInvalid) as exc:
        parse_private_key(text)
    assert exc.value.code == code


def test_a_key_of_another_algorithm_is_refused() -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(CertificateSettingsInvalid) as exc:
        parse_private_key(pem)
    assert exc.value.code == "certificates.key.not_ed25519"


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    settings = CertificateSettings(signing_key_file=tmp_path / "absent.pem")
    with pytest.raises(CertificateSettingsInvalid) as exc:
        load_signer(settings)
    assert exc.value.code == "certificates.key.file_unreadable"
    assert "absent.pem" in exc.value.message()


def test_retired_public_keys_join_the_current_one(tmp_path: Path, signer: Ed25519Signer) -> None:
    retired = Ed25519Signer.generate(kid="2025")
    path = tmp_path / "keys.json"
    path.write_bytes(PublicKeySet([retired.public_key()]).to_json())
    settings = CertificateSettings(public_keys_file=path)
    keys = load_public_keys(settings, signer)
    assert sorted(k.kid for k in keys) == sorted(["2025", signer.kid])


def test_the_signer_never_shows_its_key(signer: Ed25519Signer) -> None:
    assert repr(signer) == f"Ed25519Signer(kid={signer.kid!r})"


def test_the_development_key_lives_in_the_platform_working_directory(tmp_path: Path) -> None:
    settings = CertificateSettings.from_env(Settings(environment="test", var_dir=tmp_path), {})
    assert settings.dev_key_file == tmp_path / "certificate-signing-dev.pem"
    load_signer(settings)
    assert settings.dev_key_file.is_file()


def test_the_authority_starts_from_settings_and_refuses_production_without_a_key(
    tmp_path: Path,
) -> None:
    from yiwang.runtime.certificates.authority import CertificateAuthority

    settings = CertificateSettings(environment="test", dev_key_file=tmp_path / "k.pem")
    authority = CertificateAuthority.from_settings(settings)
    assert authority.public_keys.get(authority.signer.kid) is not None
    assert json.loads(authority.public_keys_json())["keys"][0]["kid"] == authority.signer.kid
    with pytest.raises(CertificateSettingsInvalid) as exc:
        CertificateAuthority.from_settings(CertificateSettings(environment="production"))
    assert exc.value.code == "certificates.settings.key_required"
