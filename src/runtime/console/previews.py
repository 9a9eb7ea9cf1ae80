"""In-page previews of a case's materials, from our own origin.

    GET /console/t/{code}/cases/{number}/materials/{attachment}/preview   (case handle)

The attachments room's download route answers with a redirect to a signed link at the
object store, which the console's CSP does not admit as an image or a frame (and should
not: the store is another origin). So the case page previews a file through this route,
guarded as the case page is (a citizen 403, another tenant's staff 404, a signed-out
browser to sign-in): the file must be one of this case's materials and verified, its
opening is audited, and it is streamed from the store chunk by chunk with the type the
attachments room verified at upload, never the one the store holds or the bytes
suggest (`nosniff`). The response is a sandbox of its own (`Content-Security-Policy:
sandbox; default-src 'none'`): a PDF viewer or an image runs no script of the file's
and reaches nothing else. Types the page does not preview are sent as a download.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from litestar import Request, Response, get
from litestar.response import Stream

from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.errors import NotFound
from yiwang.platform.storage import ObjectStorage
from yiwang.policy.guards import Access
from yiwang.runtime.attachments.names import content_disposition
from yiwang.runtime.attachments.service import Attachments
from yiwang.runtime.cases.service import CasesService
from yiwang.runtime.console.access import HANDLE, SIGN_IN_FIRST
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.console.values import materials, preview_of
from yiwang.runtime.routes.actions import Actor

#: the preview's own policy: no script, no fetch, no form, an opaque origin; only the
#: console's own pages may frame it (the edge's default forbids any framing)
SANDBOX: Final = "sandbox; default-src 'none'; frame-ancestors 'self'"


def preview_headers(name: str, content_type: str) -> dict[str, str]:
    """The headers of a preview: inline where the page previews the type, else a download."""
    disposition = "attachment" if preview_of(content_type) == "link" else "inline"
    return {
        "content-disposition": content_disposition(name, disposition),
        "x-content-type-options": "nosniff",
        "content-security-policy": SANDBOX,
        "x-frame-options": "SAMEORIGIN",
        "cache-control": "private, no-store",
        "vary": "Cookie",
    }


@get(
    "/console/t/{code:str}/cases/{number:str}/materials/{attachment:uuid}/preview",
    opt=HANDLE,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def preview(
    code: str,
    number: str,
    attachment: uuid.UUID,
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    cases: CasesService,
    case_actor: Actor,
    metadata: MetadataService,
    attachment_files: Attachments,
    access: Access,
    storage: ObjectStorage,
) -> Response[Any]:
    """One of the case's materials, streamed from this origin with its verified type."""
    tenant = console.directory.tree.node(code)
    view = await cases.view(code, number, case_actor, staff=True)
    case = await cases.repo.get(tenant.id, number)
    if case is None:  # pragma: no cover - view has just found it
        raise NotFound("cases.not_found", number=number[:40])
    document = (await metadata.effective(code)).documents.get(case.form_key) or {}
    attached = [a for e in view.timeline for a in e.attachments]
    if all(m.id != attachment for m in materials(code, document, case.form_data, attached)):
        raise NotFound("console.material_not_found")
    found = await attachment_files.opened(access, attachment, audit_as="attachment.preview")
    content_type = found.content_type or "application/octet-stream"
    # fail before the first byte: a missing object is the 404 page, not a broken stream
    await storage.head(found.key)
    return Stream(
        storage.stream(found.key),
        media_type=content_type,
        headers=preview_headers(found.name, content_type),
    )


ROUTES: Final = (preview,)
