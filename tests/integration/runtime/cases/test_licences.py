"""A citizen's own e-licences as JSON: a presigned download of the PDF and the public
verification address to share; nobody else's."""

from __future__ import annotations

import httpx

from tests.integration.runtime.cases.conftest import CHENGGUAN
from tests.integration.runtime.cases.licence_holders import (  # noqa: F401  (fixtures)
    IssuedLicence,
    issued_licence,
)
from tests.integration.runtime.cases.test_http import app, citizens  # noqa: F401  (fixtures)


async def test_the_holder_lists_downloads_and_shares_their_licence(
    issued_licence: IssuedLicence,  # noqa: F811
) -> None:
    client, number = issued_licence.client, issued_licence.number
    path = f"/api/v1/t/{CHENGGUAN}/certificates"
    assert (await client.get(path)).status_code == 401
    mine = await client.get(path, headers=issued_licence.holder)
    theirs = await client.get(path, headers=issued_licence.other)
    assert mine.status_code == 200, mine.text
    assert theirs.status_code == 200 and theirs.json() == []
    [licence] = mine.json()
    assert licence["case"] == number and licence["status"] == "valid"
    assert licence["share"] == f"http://127.0.0.1:8000/certificates/{licence['identifier']}"
    assert licence["revoked_at"] is None and licence["revoked_reason"] is None
    async with httpx.AsyncClient() as http:
        pdf = await http.get(licence["download"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith('attachment; filename="licence-1-2-156')
