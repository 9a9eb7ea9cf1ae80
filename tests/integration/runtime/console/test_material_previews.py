"""Previews of a case's materials from the console's own origin, over HTTP against the
real services (S3 included): guarded as the case page is, streamed with the type the
attachments room verified, in a sandbox of their own."""

from __future__ import annotations

from typing import Any

from tests.integration.runtime.console.conftest import CHENGGUAN, HTML, QILIHE, Console, text_of
from tests.integration.runtime.uploads import upload
from tests.unit.runtime.attachments import samples
from yiwang.platform.i18n import translate
from yiwang.platform.storage.s3 import S3Storage


def _s3(console: Console) -> S3Storage:
    settings = console.platform.settings
    assert settings.storage_backend == "s3" and settings.s3_endpoint_url
    return S3Storage(
        settings.s3_bucket,
        endpoint_url=settings.s3_endpoint_url,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
    )


async def _uploaded(
    console: Console, citizen: dict[str, str], body: bytes, name: str
) -> dict[str, Any]:
    """A verified upload of the citizen's (the inline job has run once it answered)."""
    done = await upload(console.client, citizen, body, name=name)
    read = await console.client.get(
        f"/api/v1/t/{CHENGGUAN}/attachments/{done['attachment']['id']}", headers=citizen
    )
    found: dict[str, Any] = read.json()
    assert found["status"] == "verified", found
    return found


async def _accept_with(
    console: Console, clerk: dict[str, str], number: str, keys: list[str]
) -> None:
    """The clerk accepts through the JSON API, the materials on the acceptance."""
    done = await console.client.post(
        f"/api/v1/t/{CHENGGUAN}/cases/{number}/actions",
        json={"action": "accept", "attachments": keys},
        headers={
            "cookie": "; ".join(f"{k}={v}" for k, v in clerk.items()),
            "x-csrf-token": clerk.get("yiwang_csrf", ""),
        },
    )
    assert done.status_code == 200, done.text


async def test_a_material_is_previewed_from_our_origin_with_its_verified_type(
    console: Console,
) -> None:
    citizen = await console.citizen()
    number = await console.open_case(citizen)
    body = samples.png(8, 8)
    plan = await _uploaded(console, citizen, body, "平面图.png")
    other = await _uploaded(console, citizen, samples.png(), "别的.png")
    key, ident = plan["value"]["key"], plan["id"]
    clerk = await console.staff("clerk", "window_clerk")
    await _accept_with(console, clerk, number, [key])
    case = f"/console/t/{CHENGGUAN}/cases/{number}"
    preview = f"{case}/materials/{ident}/preview"

    page = await console.page(case, clerk)
    assert f'<img src="{preview}"' in page.text
    # the object store holds another type than was verified (a tampered or careless store)
    s3 = _s3(console)
    s3.client.copy_object(
        Bucket=s3.bucket,
        Key=key,
        CopySource={"Bucket": s3.bucket, "Key": key},
        ContentType="text/html",
        MetadataDirective="REPLACE",
    )
    assert (await s3.head(key)).content_type == "text/html"

    shown = await console.page(preview, clerk)
    assert shown.status_code == 200, shown.text
    assert shown.content == body
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert shown.headers["content-security-policy"].startswith("sandbox; default-src 'none'")
    assert shown.headers["content-disposition"].startswith("inline; ")
    assert shown.headers["x-frame-options"] == "SAMEORIGIN"
    # the case page itself keeps the platform's one policy
    assert page.headers["content-security-policy"].startswith("default-src 'self'")

    # a verified file that is not among this case's materials is not served through it
    stranger = await console.page(f"{case}/materials/{other['id']}/preview", clerk)
    assert stranger.status_code == 404
    assert translate("console.material_not_found") in text_of(stranger.text)


async def test_previews_are_guarded_as_the_case_page_is(console: Console) -> None:
    citizen = await console.citizen()
    number = await console.open_case(citizen)
    plan = await _uploaded(console, citizen, samples.png(), "平面图.png")
    clerk = await console.staff("clerk", "window_clerk")
    await _accept_with(console, clerk, number, [plan["value"]["key"]])
    preview = f"/console/t/{CHENGGUAN}/cases/{number}/materials/{plan['id']}/preview"

    anonymous = await console.page(preview)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/console/signin?next={preview}"
    # the citizen who uploaded it, asking the console: refused as a page
    refused = await console.client.get(preview, headers={**HTML, **citizen})
    assert refused.status_code == 403
    outsider = await console.staff("outsider", "window_clerk", QILIHE)
    hidden = await console.page(preview, outsider)
    assert hidden.status_code == 404
    assert b"\x89PNG" not in hidden.content
    # the same path under the other tenant's code: that tenant has no such case
    elsewhere = await console.page(preview.replace(f"/t/{CHENGGUAN}/", f"/t/{QILIHE}/"), outsider)
    assert elsewhere.status_code == 404
