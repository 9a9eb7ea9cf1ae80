"""The public licence verification page in Debian's chromium: valid, revoked (reason and
time), signature invalid, unknown; reached by the QR code's address and by the form.

The licences are issued in this process with the server's own development key (the
file under `var/` the server generated at start) and stored in the same object store,
as the cases room would; the page then verifies them from storage and the public key."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from playwright.async_api import Browser, Page

from yiwang.metadata.resolution.resolve import base_layer, resolve
from yiwang.metadata.versions.bundled import load_base_model
from yiwang.platform.settings import Settings, bundled_templates
from yiwang.platform.storage import ObjectStorage, S3Storage, build_storage
from yiwang.runtime.certificates import archive
from yiwang.runtime.certificates.authority import CertificateAuthority
from yiwang.runtime.certificates.identifier import build_identifier, parse_identifier
from yiwang.runtime.certificates.settings import CertificateSettings
from yiwang.runtime.certificates.templates import build_certificate, certificate_template

CST = timezone(timedelta(hours=8))
FORM = {
    "operator_name": "兰州市城关区张记牛肉面馆",
    "credit_code": "92620102MA7123456P",
    "legal_representative": "张建国",
    "residence": "甘肃省兰州市城关区庆阳路 188 号",
    "premises_address": "甘肃省兰州市城关区庆阳路 188 号一层",
    "main_business": ["catering"],
    "business_items": ["hot_food", "cold_food"],
    "network_operation": False,
}


@dataclass
class Issuer:
    authority: CertificateAuthority
    storage: ObjectStorage

    async def issue(self, serial: str) -> str:
        province = resolve("620000", base_layer("620000", load_base_model(bundled_templates())), [])
        template = certificate_template(province.document("food_business_license"), "food_business")
        certificate = build_certificate(
            template,
            FORM,
            issuer_name="兰州市城关区市场监督管理局",
            issuer_code="11620102MB1234567B",
            area_code="620102",
            license_number=serial,
            issue_date=date.today() - timedelta(days=1),
            seal_time=datetime.now(CST),
            application=f"case-{serial}",
        )
        issued = self.authority.issue(certificate)
        await archive.store_issued(self.storage, issued)
        return issued.identifier


@pytest.fixture
async def issuer(server_url: str, migrated: Settings) -> AsyncIterator[Issuer]:
    # the server built its authority at start: its development key exists by now
    authority = CertificateAuthority.from_settings(CertificateSettings.from_env(migrated))
    storage = build_storage(migrated)
    if isinstance(storage, S3Storage):
        await storage.ensure_bucket()
    yield Issuer(authority, storage)


def serial() -> str:
    return "JY" + datetime.now(UTC).strftime("%H%M%S%f")


async def verdict_of(page: Page) -> tuple[str | None, str]:
    section = page.locator("#verdict")
    return await section.get_attribute("data-verdict"), await section.locator("h2").inner_text()


async def test_valid_then_revoked_through_the_qr_address(
    browser: Browser, server_url: str, issuer: Issuer
) -> None:
    identifier = await issuer.issue(serial())
    qr_address = issuer.authority.verify_url(identifier)
    # the QR code's address is this page (the development default, on loopback)
    assert qr_address == f"http://127.0.0.1:8000/certificates/{identifier}"
    page = await browser.new_page(java_script_enabled=False)  # the page needs no script
    try:
        response = await page.goto(f"{server_url}/certificates/{identifier}")
        assert response is not None and response.status == 200
        assert await page.title() == "电子证照核验 · 一网通办 · 政务服务网"
        assert await verdict_of(page) == ("valid", "有效")
        assert await page.locator("#license-identifier").inner_text() == identifier
        assert await page.locator("#holder").inner_text() == "兰州市城关区张记牛肉面馆"
        assert await page.locator("#revocation").count() == 0

        signed = await archive.load_signed(issuer.storage, identifier)
        at = datetime(2026, 11, 30, 15, 45, tzinfo=CST)
        revoked = issuer.authority.revoke(signed, reason="申请人申请注销", actor="test", at=at)
        await archive.store_revocation(issuer.storage, revoked)
        await page.reload()
        assert await verdict_of(page) == ("revoked", "已注销")
        assert await page.locator("#revoked-reason").inner_text() == "申请人申请注销"
        assert await page.locator("#revoked-at").inner_text() == at.isoformat()
        assert "申请人申请注销" in await page.locator("#message").inner_text()
    finally:
        await page.close()


async def test_a_tampered_licence_shows_signature_invalid(
    browser: Browser, server_url: str, issuer: Issuer
) -> None:
    identifier = await issuer.issue(serial())
    stored = json.loads(await archive.load_signed(issuer.storage, identifier))
    stored["certificate"]["holder_name"] = "冒名顶替有限公司"
    key = archive.archive_keys(identifier).certificate
    await issuer.storage.put(
        key, json.dumps(stored, ensure_ascii=False).encode(), "application/json"
    )
    page = await browser.new_page()
    try:
        response = await page.goto(f"{server_url}/certificates/{identifier}")
        assert response is not None and response.status == 200
        assert await verdict_of(page) == ("signature_invalid", "签名无效")
        # nothing of the forged content is shown as if it were vouched for
        assert "冒名顶替" not in await page.content()
    finally:
        await page.close()


async def test_the_form_finds_a_licence_and_an_unknown_one(
    browser: Browser, server_url: str, issuer: Issuer
) -> None:
    identifier = await issuer.issue(serial())
    parts = parse_identifier(identifier)
    # well formed, its check character right, and never issued
    never = str(build_identifier(parts.license_type_code, parts.issuer_code, "NEVER" + serial(), 1))
    page = await browser.new_page()
    try:
        await page.goto(f"{server_url}/certificates")
        assert await page.locator("#verdict").count() == 0
        await page.get_by_label("证照标识").fill(identifier)
        await page.get_by_role("button", name="核验").click()
        await page.wait_for_load_state()
        assert await verdict_of(page) == ("valid", "有效")
        await page.get_by_label("证照标识").fill("<script>alert(1)</script>")
        await page.get_by_role("button", name="核验").click()
        await page.wait_for_load_state()
        assert await verdict_of(page) == ("identifier_invalid", "证照标识无效")
        assert "<script>alert(1)</script>" not in await page.content()  # escaped
        response = await page.goto(f"{server_url}/certificates/{never}")
        assert response is not None and response.status == 404
        assert await verdict_of(page) == ("unknown", "未找到")
    finally:
        await page.close()
