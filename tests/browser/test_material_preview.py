"""A PDF material previews in the console's case page in chromium: the preview is served
with its own sandbox (`Content-Security-Policy: sandbox`) and `X-Frame-Options:
SAMEORIGIN`, and chromium's PDF viewer still draws it in the page's frame (a blocked
frame would show chromium's error page, not the PDF's red page).

The citizen's upload is verified here by writing what the verification job records (the
session's server runs no worker: the job is the attachments room's, tested there)."""

from __future__ import annotations

import hashlib
import io
import secrets
from typing import Any

import psycopg
from PIL import Image
from playwright.async_api import Browser, Page, expect
from reportlab.lib.colors import Color
from reportlab.pdfgen import canvas

from tests.browser.accessibility import check_page
from tests.browser.test_console import APPLICATION, CHENGGUAN, _clerk, _sign_in, _sms_code
from tests.integration.stack import Stack


def _red_pdf() -> bytes:
    """One A4 page, all red: what a drawn preview shows and an error page does not."""
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(595, 842))
    page.setFillColor(Color(0.9, 0.1, 0.1))
    page.rect(0, 0, 595, 842, fill=1, stroke=0)
    page.showPage()
    page.save()
    return out.getvalue()


async def _red_pixels(page: Page, frame: Any) -> int:
    box = await frame.bounding_box()
    assert box is not None
    shot = await page.screenshot(clip=box)
    data = Image.open(io.BytesIO(shot)).convert("RGB").tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if r > 180 and g < 80 and b < 80)


async def _case_with_pdf(
    api: Any, server_url: str, admin_sql: psycopg.Connection
) -> tuple[str, str]:
    """A citizen's case and a verified PDF of theirs: (case number, the file's key)."""
    phone = "137" + str(secrets.randbelow(10**8)).zfill(8)
    sent = await api.post(f"{server_url}/api/v1/auth/sms/code", data={"phone": phone})
    assert sent.status == 202, await sent.text()
    signed = await api.post(
        f"{server_url}/api/v1/auth/sms/login", data={"phone": phone, "code": _sms_code(phone)}
    )
    auth = {"authorization": f"Bearer {(await signed.json())['token']}"}
    opened = await api.post(
        f"{server_url}/api/v1/t/{CHENGGUAN}/cases", data=APPLICATION, headers=auth
    )
    assert opened.status == 201, await opened.text()
    body = _red_pdf()
    begun = await api.post(
        f"{server_url}/api/v1/t/{CHENGGUAN}/attachments",
        data={
            "type": "food_business_license",
            "field": "safety_rules",
            "name": "食品安全管理制度.pdf",
            "size": len(body),
            "content_type": "application/pdf",
        },
        headers=auth,
    )
    assert begun.status == 201, await begun.text()
    upload, attachment = (await begun.json())["upload"], (await begun.json())["attachment"]
    url = upload["url"] if upload["url"].startswith("http") else f"{server_url}{upload['url']}"
    form: dict[str, Any] = dict(upload["fields"])
    form[upload["file_field"]] = {
        "name": "upload.bin",
        "mimeType": "application/pdf",
        "buffer": body,
    }
    sent_file = await api.post(url, multipart=form)
    assert sent_file.status == 204, await sent_file.text()
    done = await api.post(
        f"{server_url}/api/v1/t/{CHENGGUAN}/attachments/{attachment['id']}/complete", headers=auth
    )
    assert done.status == 200, await done.text()
    admin_sql.execute(
        "UPDATE attachments SET status = 'verified', content_type = declared_type,"
        " size = %s, sha256 = %s, verified_at = now(), updated_at = now() WHERE id = %s",
        (len(body), hashlib.sha256(body).hexdigest(), attachment["id"]),
    )
    read = await api.get(
        f"{server_url}/api/v1/t/{CHENGGUAN}/attachments/{attachment['id']}", headers=auth
    )
    assert (await read.json())["status"] == "verified", await read.text()
    return str((await opened.json())["number"]), str((await read.json())["value"]["key"])


async def test_a_pdf_material_is_drawn_in_the_case_page(
    browser: Browser, server_url: str, admin_sql: psycopg.Connection, staff_stack: Stack
) -> None:
    api = await browser.new_context()
    try:
        number, key = await _case_with_pdf(api.request, server_url, admin_sql)
        await api.clear_cookies()
        login, secret = await _clerk(staff_stack, api.request, server_url)
    finally:
        await api.close()
    context = await browser.new_context(viewport={"width": 1280, "height": 1400})
    try:
        page = await context.new_page()
        case = f"/console/t/{CHENGGUAN}/cases/{number}"
        await _sign_in(page, server_url, login, secret, "preview", start=case)
        # the clerk accepts the case with the PDF among its materials (the JSON API)
        cookies = {c["name"]: c["value"] for c in await context.cookies()}
        accepted = await context.request.post(
            f"{server_url}/api/v1/t/{CHENGGUAN}/cases/{number}/actions",
            data={"action": "accept", "attachments": [key]},
            headers={"x-csrf-token": cookies.get("yiwang_csrf", "")},
        )
        assert accepted.status == 200, await accepted.text()
        responses = []
        page.on("response", lambda r: responses.append(r) if "/preview" in r.url else None)
        await page.reload()
        frame = page.locator('iframe[src$="/preview"]')
        await expect(frame).to_have_count(1)
        await frame.scroll_into_view_if_needed()
        red = 0
        for _ in range(40):  # the viewer draws a moment after the frame loads (bounded: 10 s)
            red = await _red_pixels(page, frame)
            if red > 20_000:
                break
            await page.wait_for_timeout(250)
        assert red > 20_000, red
        # the frame's own load: the PDF, sandboxed, framed by our pages only
        loads = [r for r in responses if r.request.is_navigation_request()]
        assert loads, [(r.status, r.request.resource_type) for r in responses]
        headers = await loads[0].all_headers()
        assert loads[0].status == 200, (loads[0].status, headers)
        assert headers.get("content-type") == "application/pdf", headers
        assert headers.get("content-security-policy", "").startswith("sandbox;"), headers
        assert headers.get("x-frame-options") == "SAMEORIGIN", headers
        await check_page(page, "preview-case-pdf")
    finally:
        await context.close()
