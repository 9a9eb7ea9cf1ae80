"""Verification and revocation: every verdict, each with its Chinese message, from
the public key set alone."""

from __future__ import annotations

import json
from datetime import date, datetime

import msgspec
import pytest

from yiwang.metadata.documents.hashing import canonical_json
from yiwang.runtime.certificates.authority import CertificateAuthority, IssuedCertificate
from yiwang.runtime.certificates.document import Certificate, Change
from yiwang.runtime.certificates.envelopes import (
    REVOCATION_TYP,
    Revocation,
    SignedCertificate,
    SignedRevocation,
    apply_revocation,
    revoke,
    sign_certificate,
)
from yiwang.runtime.certificates.errors import AlreadyRevoked, CertificateInvalid
from yiwang.runtime.certificates.identifier import build_identifier
from yiwang.runtime.certificates.signing import Ed25519Signer, PublicKeySet, Signature, sign
from yiwang.runtime.certificates.verification import Verdict, verify_certificate

from .conftest import CST

TODAY = date(2027, 3, 1)
WHEN = datetime(2027, 2, 10, 9, 5, tzinfo=CST)


@pytest.fixture
def issued(authority: CertificateAuthority, certificate: Certificate) -> IssuedCertificate:
    return authority.issue(certificate)


@pytest.fixture
def keys(authority: CertificateAuthority) -> PublicKeySet:
    """Only the public half, as an outside verifier gets it."""
    return PublicKeySet.from_json(authority.public_keys_json())


def _tampered(signed_json: bytes, **changes: object) -> bytes:
    value = json.loads(signed_json)
    value["certificate"].update(changes)
    return json.dumps(value, ensure_ascii=False).encode()


def test_a_genuine_certificate_is_valid(issued: IssuedCertificate, keys: PublicKeySet) -> None:
    result = verify_certificate(issued.signed_json, keys, today=TODAY, identifier=issued.identifier)
    assert result.verdict is Verdict.VALID and result.is_valid
    assert result.certificate == issued.certificate
    assert result.message() == (
        "证照有效：食品经营许可证，持证主体 兰州市城关区张记牛肉面馆，"
        "颁证单位 兰州市城关区市场监督管理局，证照编号 JY26201020000123。"
    )
    summary = result.as_dict()["certificate"]
    assert summary["holder_name"] == "兰州市城关区张记牛肉面馆"
    assert "holder_code" not in summary and "face_content" not in summary


def test_json_formatting_does_not_matter_but_content_does(
    issued: IssuedCertificate, keys: PublicKeySet
) -> None:
    pretty = json.dumps(json.loads(issued.signed_json), ensure_ascii=True, indent=2).encode()
    assert verify_certificate(pretty, keys, today=TODAY).verdict is Verdict.VALID
    for change in (
        {"holder_name": "兰州市城关区李记牛肉面馆"},
        {"valid_to": "2099-12-31"},
        {"cert_status": "current", "face_content": []},
    ):
        result = verify_certificate(_tampered(issued.signed_json, **change), keys, today=TODAY)
        assert result.verdict is Verdict.SIGNATURE_INVALID, change
        assert result.certificate is None
        assert (
            result.message() == "证照签名验证未通过：证照内容或签名已被改动，不能作为有效证照使用。"
        )


def test_an_added_field_breaks_the_signature(issued: IssuedCertificate, keys: PublicKeySet) -> None:
    result = verify_certificate(_tampered(issued.signed_json, note="x"), keys, today=TODAY)
    assert result.verdict is Verdict.SIGNATURE_INVALID


def test_a_key_outside_the_set_is_unknown(issued: IssuedCertificate, signer: Ed25519Signer) -> None:
    stranger = PublicKeySet([Ed25519Signer.generate().public_key()])
    result = verify_certificate(issued.signed_json, stranger, today=TODAY)
    assert result.verdict is Verdict.UNKNOWN_KEY
    assert result.kid == signer.kid
    assert (
        result.message()
        == f"证照签名所用的密钥（{signer.kid}）不在本平台公布的公钥中，无法核验真伪。"
    )


def test_a_forger_with_another_key_and_our_key_id_fails(
    certificate: Certificate, signer: Ed25519Signer, keys: PublicKeySet
) -> None:
    forger = Ed25519Signer(Ed25519Signer.generate()._key, kid=signer.kid)
    forged = sign_certificate(certificate, forger)
    assert verify_certificate(forged, keys, today=TODAY).verdict is Verdict.SIGNATURE_INVALID


def test_a_rotated_key_still_verifies_what_it_signed(
    certificate: Certificate, authority: CertificateAuthority
) -> None:
    old = Ed25519Signer.generate(kid="2025")
    signed_by_old = sign_certificate(certificate, old)
    keys = PublicKeySet([old.public_key()]).with_key(authority.signer.public_key())
    assert verify_certificate(signed_by_old, keys, today=TODAY).verdict is Verdict.VALID
    assert (
        verify_certificate(signed_by_old, authority.public_keys, today=TODAY).verdict
        is Verdict.UNKNOWN_KEY
    )


@pytest.mark.parametrize("asked", ["1.2.156.3005.2.bad", "", "<script>"])
def test_a_malformed_identifier_is_refused_before_anything_else(
    issued: IssuedCertificate, keys: PublicKeySet, asked: str
) -> None:
    result = verify_certificate(issued.signed_json, keys, today=TODAY, identifier=asked)
    assert result.verdict is Verdict.IDENTIFIER_INVALID
    assert result.message().startswith("证照标识“")


def test_asking_for_another_identifier_is_refused(
    issued: IssuedCertificate, keys: PublicKeySet, certificate: Certificate
) -> None:
    other = str(build_identifier(certificate.license_type_code, certificate.issuer_code, "OTHER1"))
    result = verify_certificate(issued.signed_json, keys, today=TODAY, identifier=other)
    assert result.verdict is Verdict.IDENTIFIER_INVALID
    assert result.reason_code == "certificates.verify.identifier_mismatch"


def test_a_signed_document_with_a_broken_identifier_is_refused(
    certificate: Certificate, signer: Ed25519Signer, keys: PublicKeySet
) -> None:
    # signed by our key, yet inconsistent: only a bug or a stolen key makes one
    good = certificate.license_identifier
    bad = msgspec.structs.replace(
        certificate, license_identifier=good[:-1] + ("0" if good[-1] != "0" else "1")
    )
    value = bad.as_json()
    envelope = SignedCertificate(
        value, sign(canonical_json(value), signer, "yiwang-certificate+json")
    )
    result = verify_certificate(envelope, keys, today=TODAY)
    assert result.verdict is Verdict.IDENTIFIER_INVALID
    assert result.reason_code == "certificates.identifier.check_character"


def test_garbage_is_not_a_certificate(keys: PublicKeySet) -> None:
    for data in (
        b"",
        b"{}",
        b"not json",
        b'{"certificate": {}, "signature": {"protected": "", "signature": ""}}',
    ):
        assert verify_certificate(data, keys, today=TODAY).verdict is Verdict.SIGNATURE_INVALID


def test_validity_dates_decide_after_the_signature(
    issued: IssuedCertificate, keys: PublicKeySet
) -> None:
    early = verify_certificate(issued.signed_json, keys, today=date(2026, 11, 26))
    assert early.verdict is Verdict.NOT_YET_VALID
    assert early.message() == "该证照自 2026年11月27日 起生效，目前尚未生效。"
    last_day = verify_certificate(issued.signed_json, keys, today=date(2031, 11, 26))
    assert last_day.verdict is Verdict.VALID
    late = verify_certificate(issued.signed_json, keys, today=date(2031, 11, 27))
    assert late.verdict is Verdict.EXPIRED
    assert late.message() == "该证照的有效期已于 2031年11月26日 届满，已不在有效期内。"


def test_revocation_is_signed_and_reported_with_reason_and_time(
    authority: CertificateAuthority, issued: IssuedCertificate, keys: PublicKeySet
) -> None:
    revoked = authority.revoke(
        issued.signed_json, reason="经营者申请注销", actor="窗口受理员 李敏", at=WHEN
    )
    record = revoked.revocation.record()
    assert (record.reason, record.actor, record.revoked_at) == (
        "经营者申请注销",
        "窗口受理员 李敏",
        WHEN,
    )
    assert record.certificate_sha256 == issued.signed.sha256()
    result = verify_certificate(
        issued.signed_json, keys, today=TODAY, revocations=[revoked.revocation_json]
    )
    assert result.verdict is Verdict.REVOKED
    assert result.message() == "该证照已于 2027年2月10日 09:05 注销，注销原因：经营者申请注销。"
    assert result.as_dict()["revocation"] == {
        "reason": "经营者申请注销",
        "revoked_at": "2027-02-10T09:05:00+08:00",
    }
    # the record as it now reads
    assert revoked.certificate.cert_status == "cancelled"
    assert revoked.certificate.cancel_reason == "经营者申请注销"
    assert revoked.certificate.changes[-1].change_time == WHEN


def test_a_tampered_revocation_fails_verification_instead_of_being_ignored(
    authority: CertificateAuthority, issued: IssuedCertificate, keys: PublicKeySet
) -> None:
    revoked = authority.revoke(issued.signed, reason="歇业", actor="li", at=WHEN)
    value = json.loads(revoked.revocation_json)
    value["revocation"]["reason"] = "误操作，请忽略"
    result = verify_certificate(
        issued.signed_json, keys, today=TODAY, revocations=[json.dumps(value).encode()]
    )
    assert result.verdict is Verdict.SIGNATURE_INVALID


def test_a_certificate_signature_cannot_pass_for_a_revocation(
    issued: IssuedCertificate, keys: PublicKeySet, signer: Ed25519Signer
) -> None:
    record = {"license_identifier": issued.identifier, "reason": "x"}
    wrong_typ = SignedRevocation(
        record, sign(canonical_json(record), signer, "yiwang-certificate+json")
    )
    result = verify_certificate(issued.signed_json, keys, today=TODAY, revocations=[wrong_typ])
    assert result.verdict is Verdict.SIGNATURE_INVALID
    right_typ = SignedRevocation(record, sign(canonical_json(record), signer, REVOCATION_TYP))
    # well signed, but not a revocation record: refused too
    result = verify_certificate(issued.signed_json, keys, today=TODAY, revocations=[right_typ])
    assert result.verdict is Verdict.SIGNATURE_INVALID
    assert result.reason_code == "certificates.revocation_invalid"


def test_another_certificates_revocation_does_not_apply(
    authority: CertificateAuthority,
    issued: IssuedCertificate,
    keys: PublicKeySet,
    certificate: Certificate,
) -> None:
    other_id = str(
        build_identifier(certificate.license_type_code, certificate.issuer_code, "JY2620102000999")
    )
    other = authority.issue(
        msgspec.structs.replace(
            certificate, license_identifier=other_id, license_number="JY2620102000999"
        )
    )
    revoked = authority.revoke(other.signed, reason="歇业", actor="li", at=WHEN)
    result = verify_certificate(
        issued.signed_json, keys, today=TODAY, revocations=[revoked.revocation]
    )
    assert result.verdict is Verdict.VALID


def test_revoking_twice_is_refused(
    authority: CertificateAuthority, issued: IssuedCertificate, signer: Ed25519Signer
) -> None:
    revoked = authority.revoke(issued.signed, reason="歇业", actor="li", at=WHEN)
    resigned = sign_certificate(revoked.certificate, signer)
    with pytest.raises(AlreadyRevoked) as exc:
        revoke(resigned, reason="again", actor="li", at=WHEN, signer=signer)
    assert (
        exc.value.message()
        == f"证照“{issued.identifier}”已于 2027年2月10日 09:05 注销，不能重复注销。"
    )


def test_a_document_signed_as_cancelled_is_revoked(
    authority: CertificateAuthority,
    issued: IssuedCertificate,
    keys: PublicKeySet,
    signer: Ed25519Signer,
) -> None:
    revoked = authority.revoke(issued.signed, reason="歇业", actor="li", at=WHEN)
    result = verify_certificate(sign_certificate(revoked.certificate, signer), keys, today=TODAY)
    assert result.verdict is Verdict.REVOKED
    assert result.message() == "该证照已于 2027年2月10日 09:05 注销，注销原因：歇业。"


@pytest.mark.parametrize(
    ("reason", "actor", "at", "code"),
    [
        ("  ", "li", WHEN, "certificates.revocation.reason_required"),
        ("歇业", "", WHEN, "certificates.revocation.actor_required"),
        ("歇业", "li", datetime(2027, 2, 10, 9, 5), "certificates.revocation_invalid"),
        ("歇" * 1001, "li", WHEN, "certificates.revocation_invalid"),
    ],
)
def test_a_revocation_needs_reason_actor_and_an_aware_time(
    issued: IssuedCertificate,
    signer: Ed25519Signer,
    reason: str,
    actor: str,
    at: datetime,
    code: str,
) -> None:
    with pytest.raises(CertificateInvalid) as exc:
        revoke(issued.signed, reason=reason, actor=actor, at=at, signer=signer)
    assert exc.value.code == code


def test_apply_revocation_keeps_earlier_changes(certificate: Certificate) -> None:
    earlier = Change(change_time=datetime(2027, 1, 1, tzinfo=CST), change_reason="变更经营场所")
    with_history = msgspec.structs.replace(certificate, changes=(earlier,))
    record = Revocation(
        license_identifier=certificate.license_identifier,
        certificate_sha256="0" * 64,
        reason="歇业",
        revoked_at=WHEN,
        actor="li",
    )
    after = apply_revocation(with_history, record)
    assert [c.change_reason for c in after.changes] == ["变更经营场所", "歇业"]


def test_a_verifier_needs_nothing_but_the_jwk_set(
    issued: IssuedCertificate, authority: CertificateAuthority
) -> None:
    """Recheck with cryptography alone, as an outside verifier would: no yiwang code."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    def unb64(s: str) -> bytes:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

    envelope = json.loads(issued.signed_json)
    header = json.loads(unb64(envelope["signature"]["protected"]))
    jwk = next(
        k for k in json.loads(authority.public_keys_json())["keys"] if k["kid"] == header["kid"]
    )
    payload = json.dumps(
        envelope["certificate"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    message = (
        envelope["signature"]["protected"].encode()
        + b"."
        + base64.urlsafe_b64encode(payload).rstrip(b"=")
    )
    Ed25519PublicKey.from_public_bytes(unb64(jwk["x"])).verify(
        unb64(envelope["signature"]["signature"]), message
    )
    assert header == {"alg": "EdDSA", "kid": jwk["kid"], "typ": "yiwang-certificate+json"}


def test_signatures_are_detached_jws_over_the_document(issued: IssuedCertificate) -> None:
    assert isinstance(issued.signed.signature, Signature)
    assert json.loads(issued.signed_json)["certificate"] == issued.certificate.as_json()
