"""Certificates issued and verified per second, each next to a baseline of the same run.

A 食品经营许可证 built from the base model's template and a case's form data
(7 face lines), signed with Ed25519 and rendered to a one-page PDF with the
CJK font subset into it; then verified from its stored bytes with the public
key set. One process, one core; every figure is the median of `--samples`
timed batches, each batch long enough (≥ 20 ms) that the timer's cost
(about 0.1 µs a call) is noise. Baselines, measured in the same run:

- build: encoding the same document to canonical JSON (what signing needs);
- sign: SHA-256 of the same canonical bytes;
- render: reportlab drawing a one-page PDF with one line in the same font;
- verify: a bare Ed25519 check of the same signature over the same bytes, and
  SHA-256 of the same stored bytes.

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

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from yiwang.metadata.resolution.resolve import base_layer, resolve
from yiwang.metadata.versions.bundled import load_base_model
from yiwang.platform.settings import bundled_templates
from yiwang.runtime.certificates.authority import CertificateAuthority
from yiwang.runtime.certificates.document import Certificate
from yiwang.runtime.certificates.envelopes import sign_certificate
from yiwang.runtime.certificates.fonts import find_font, load_font
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


def _per_call(fn: Callable[[], Any], samples: int, min_batch_s: float = 0.02) -> float:
    """Median seconds per call over `samples` batches of calls."""
    fn()
    n, start = 1, time.perf_counter()
    fn()
    single = max(time.perf_counter() - start, 1e-7)
    n = max(1, int(min_batch_s / single))
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - start) / n)
    return statistics.median(times)


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

    s = args.samples
    per_call = {
        "build": _per_call(build, s),
        "build baseline: canonical JSON": _per_call(certificate.canonical_bytes, s),
        "sign": _per_call(lambda: sign_certificate(certificate, signer), s),
        "sign baseline: SHA-256": _per_call(lambda: hashlib.sha256(canonical).digest(), s),
        "render": _per_call(lambda: authority.render(certificate), s),
        "render baseline: minimal PDF": _per_call(minimal_pdf, s),
        "issue (build + sign + render)": _per_call(issue_all, s),
        "verify": _per_call(verify, s),
        "verify baseline: bare Ed25519": _per_call(bare_verify, s),
        "verify baseline: SHA-256 of stored bytes": _per_call(
            lambda: hashlib.sha256(stored).digest(), s
        ),
    }
    sizes = {
        "canonical JSON bytes": len(canonical),
        "stored JSON bytes": len(stored),
        "PDF bytes": len(issued.pdf),
        "minimal PDF bytes": len(minimal_pdf()),
        "cold first issue s": round(cold, 3),
        "cold PDF equals warm PDF": cold_issued.pdf == issued.pdf,
    }
    if args.json:
        print(json.dumps({"seconds_per_call": per_call, "sizes": sizes}, ensure_ascii=False))
        return
    pairs = [
        ("build", "build baseline: canonical JSON"),
        ("sign", "sign baseline: SHA-256"),
        ("render", "render baseline: minimal PDF"),
        ("verify", "verify baseline: bare Ed25519"),
        ("verify", "verify baseline: SHA-256 of stored bytes"),
    ]
    print("| measure | µs per call | per second | baseline | baseline µs | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, base in pairs:
        t, b = per_call[name], per_call[base]
        label = base.split(": ", 1)[1]
        row = [name, f"{t * 1e6:,.1f}", f"{1 / t:,.0f}", label, f"{b * 1e6:,.2f}", f"{t / b:,.1f}"]
        print("| " + " | ".join(row) + " |")
    t = per_call["issue (build + sign + render)"]
    print(f"| issue (build + sign + render) | {t * 1e6:,.1f} | {1 / t:,.0f} | — | — | — |")
    print()
    for key, value in sizes.items():
        print(f"- {key}: {value}")


if __name__ == "__main__":
    main()
