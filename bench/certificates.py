"""Certificates issued and verified per second, each next to a baseline of the same run.

A 食品经营许可证 built from the base model's template and a case's form data
(7 face lines), signed with Ed25519 and rendered to a one-page PDF with the
CJK font subset into it; then verified from its stored bytes with the public
key set. One process, one core; every figure is the median of `--samples`
timed batches, each batch long enough (≥ 20 ms) that the timer's cost
(about 0.1 µs a call) is noise, and each batch alternates with a batch of its
baseline so that load from elsewhere on the machine falls on both. Baselines:

- build: encoding the same document to canonical JSON (what signing needs);
- sign: SHA-256 of the same canonical bytes;
- render, and the whole issue: reportlab drawing a one-page PDF with one
  line in the same font (the fixed cost of the library and the embedded font);
- the QR code alone: segno choosing the best of the 8 masks (as ISO/IEC 18004
  describes) against the same symbol with the mask fixed;
- sign and the whole issue, again: a bare Ed25519 signature (`cryptography`
  alone) of the same signing input;
- verify: a bare Ed25519 check of the same signature over the same bytes
  (through our key wrapper, and through `cryptography` alone), and SHA-256 of
  the same stored bytes.

"Cold" is the first issue in this fresh process: it parses and registers the
font (wqy-zenhei: 17 MB) before anything is drawn.

    uv run python bench/certificates.py [--samples N] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import segno
from cryptography.hazmat.primitives.asymmetric import ed25519
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from yiwang.metadata.resolution.resolve import base_layer, resolve
from yiwang.metadata.versions.bundled import load_base_model
from yiwang.platform.settings import bundled_templates
from yiwang.runtime.certificates.authority import CertificateAuthority
from yiwang.runtime.certificates.document import Certificate
from yiwang.runtime.certificates.envelopes import sign_certificate
from yiwang.runtime.certificates.fonts import find_font, load_font
from yiwang.runtime.certificates.rendering import qr_code
from yiwang.runtime.certificates.settings import CertificateSettings
from yiwang.runtime.certificates.signing import (
    Ed25519Signer,
    PublicKeySet,
    b64url_decode,
    signing_input,
)
from yiwang.runtime.certificates.templates import build_certificate, certificate_template
from yiwang.runtime.certificates.verification import Verdict

TEMPLATES = bundled_templates()
CST = timezone(timedelta(hours=8))
FORM_DATA = {
    "operator_name": "兰州市城关区张记牛肉面馆",
    "credit_code": "92620102MA7123456P",
    "legal_representative": "张建国",
    "residence": "甘肃省兰州市城关区庆阳路 188 号",
    "premises_address": "甘肃省兰州市城关区庆阳路 188 号一层",
    "main_business": ["catering"],
    "business_items": ["hot_food", "cold_food"],
}
TODAY = date(2027, 3, 1)


def _batch_size(fn: Callable[[], Any], min_batch_s: float) -> int:
    fn()
    start = time.perf_counter()
    fn()
    return max(1, int(min_batch_s / max(time.perf_counter() - start, 1e-7)))


def _paired(
    target: Callable[[], Any], baseline: Callable[[], Any], rounds: int, min_batch_s: float = 0.02
) -> tuple[float, float]:
    """Median seconds per call of each, their batches alternating round by round so
    that a neighbour's load on the shared machine falls on both alike."""
    sizes = (_batch_size(target, min_batch_s), _batch_size(baseline, min_batch_s))
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for fn, n, out in zip((target, baseline), sizes, times, strict=True):
            start = time.perf_counter()
            for _ in range(n):
                fn()
            out.append((time.perf_counter() - start) / n)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    model = resolve("620000", base_layer("620000", load_base_model(TEMPLATES)), [])
    template = certificate_template(model.document("food_business_license"), "food_business")
    font = find_font(CertificateSettings())
    signer = Ed25519Signer.generate()
    authority = CertificateAuthority(
        signer, PublicKeySet(), font, "https://zwfw.example.gov.cn/v/{identifier}"
    )

    def build() -> Certificate:
        return build_certificate(
            template,
            FORM_DATA,
            issuer_name="兰州市城关区市场监督管理局",
            issuer_code="11620102MB1234567B",
            area_code="620102",
            license_number="JY26201020000123",
            issue_date=date(2026, 11, 27),
            seal_time=datetime(2026, 11, 27, 10, 30, tzinfo=CST),
        )

    start = time.perf_counter()
    cold_issued = authority.issue(build())
    cold = time.perf_counter() - start

    certificate = build()
    issued = authority.issue(certificate)
    canonical = certificate.canonical_bytes()
    stored = issued.signed_json
    loaded = load_font(font)

    def minimal_pdf() -> bytes:
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
        canvas.setFont(loaded.name, 12)
        canvas.drawString(72, 720, certificate.holder_name)
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    def issue_all() -> None:
        authority.issue(build())

    def verify() -> None:
        result = authority.verify(stored, today=TODAY, identifier=issued.identifier)
        assert result.verdict is Verdict.VALID

    signature = issued.signed.signature
    message = signing_input(signature.protected, issued.signed.payload())
    raw_signature = b64url_decode(signature.signature)
    public = signer.public_key()

    def bare_verify() -> None:
        assert public.verify(raw_signature, message)

    # the bare primitive, straight from `cryptography`, over the same signing input
    raw_key = ed25519.Ed25519PrivateKey.generate()
    raw_public = raw_key.public_key()
    raw_signed = raw_key.sign(message)

    def bare_sign() -> None:
        raw_key.sign(message)

    def bare_crypto_verify() -> None:
        raw_public.verify(raw_signed, message)

    s = args.samples
    pairs = {
        "build": (build, certificate.canonical_bytes, "canonical JSON"),
        "sign": (
            lambda: sign_certificate(certificate, signer),
            lambda: hashlib.sha256(canonical).digest(),
            "SHA-256 of the canonical bytes",
        ),
        "sign  ": (
            lambda: sign_certificate(certificate, signer),
            bare_sign,
            "bare Ed25519 sign of the same signing input",
        ),
        "render": (lambda: authority.render(certificate), minimal_pdf, "minimal one-line PDF"),
        "of which the QR code (best of 8 masks)": (
            lambda: qr_code(issued.verify_url),
            lambda: segno.make_qr(issued.verify_url, error="m", boost_error=False, mask=0),
            "the same QR code, mask fixed",
        ),
        "issue (build + sign + render)": (
            issue_all,
            minimal_pdf,
            "minimal one-line PDF",
        ),
        "issue (build + sign + render) ": (
            issue_all,
            bare_sign,
            "bare Ed25519 sign of the same signing input",
        ),
        "verify": (verify, bare_verify, "bare Ed25519 check"),
        "verify  ": (
            verify,
            bare_crypto_verify,
            "bare Ed25519 check (`cryptography` alone) of the same input",
        ),
        "verify ": (verify, lambda: hashlib.sha256(stored).digest(), "SHA-256 of the stored bytes"),
    }
    measured = {name: (*_paired(t, b, s), label) for name, (t, b, label) in pairs.items()}
    sizes = {
        "canonical JSON bytes": len(canonical),
        "stored JSON bytes": len(stored),
        "PDF bytes": len(issued.pdf),
        "minimal PDF bytes": len(minimal_pdf()),
        "cold first issue s": round(cold, 3),
        "cold PDF equals warm PDF": cold_issued.pdf == issued.pdf,
    }
    if args.json:
        out = {
            name.strip(): {"seconds": t, "baseline": label, "baseline_seconds": b}
            for name, (t, b, label) in measured.items()
        }
        print(json.dumps({"per_call": out, "sizes": sizes}, ensure_ascii=False))
        return
    print("| measure | µs per call | per second | baseline (same run) | baseline µs | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (t, b, label) in measured.items():
        row = [name.strip(), f"{t * 1e6:,.1f}", f"{1 / t:,.0f}", label, f"{b * 1e6:,.2f}"]
        print("| " + " | ".join([*row, f"{t / b:,.1f}"]) + " |")
    print()
    for key, value in sizes.items():
        print(f"- {key}: {value}")


if __name__ == "__main__":
    main()
