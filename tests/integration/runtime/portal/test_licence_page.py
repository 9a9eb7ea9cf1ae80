"""我的证照 over HTTP against the real services: the holder's licences with what their
signed documents say, both files through this origin, the address to share; nobody
else's, and a signed-out browser is sent to sign in."""

from __future__ import annotations

import json
import re

from tests.integration.runtime.cases.conftest import CHENGGUAN
from tests.integration.runtime.cases.licence_holders import (  # noqa: F401  (fixtures)
    IssuedLicence,
    issued_licence,
)
from tests.integration.runtime.cases.test_http import app, citizens  # noqa: F401  (fixtures)
from tests.integration.runtime.console.conftest import HTML, text_of
from yiwang.platform.i18n import translate

PAGE = f"/r/{CHENGGUAN}/my/licences"


async def test_the_holder_sees_downloads_and_shares_only_their_own_licences(
    issued_licence: IssuedLicence,  # noqa: F811
) -> None:
    client, number = issued_licence.client, issued_licence.number
    holder, other = issued_licence.holder, issued_licence.other
    signed_out = await client.get(PAGE, headers=HTML, follow_redirects=False)
    cases = await client.get(f"/r/{CHENGGUAN}/my/cases", headers={**HTML, **holder})
    mine = await client.get(PAGE, headers={**HTML, **holder})
    theirs = await client.get(PAGE, headers={**HTML, **other})
    [listed] = (await client.get(f"/api/v1/t/{CHENGGUAN}/certificates", headers=holder)).json()
    identifier = listed["identifier"]
    pdf = await client.get(f"{PAGE}/{identifier}/pdf", headers={**HTML, **holder})
    signed = await client.get(f"{PAGE}/{identifier}/json", headers={**HTML, **holder})
    refused = [
        await client.get(f"{PAGE}/{identifier}/pdf", headers={**HTML, **other}),
        await client.get(f"{PAGE}/{identifier}/html", headers={**HTML, **holder}),
    ]
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith(f"/r/{CHENGGUAN}/signin?next=")
    # 我的办件 links the page
    assert f'href="{PAGE}"' in cases.text
    assert mine.status_code == 200, mine.text
    shown = text_of(mine.text)
    assert translate("cases.page.verdict.valid") in shown and number in shown
    assert identifier in shown
    document = json.loads(signed.content)
    assert signed.status_code == 200 and signed.headers["content-type"].startswith(
        "application/json"
    )
    facts = (document.get("payload") or document).get("certificate") or document
    holder_name = re.search(r"<dt>持证主体</dt><dd>([^<]+)</dd>", mine.text)
    assert holder_name is not None and holder_name.group(1) in json.dumps(facts, ensure_ascii=False)
    # the address to share, in a box to copy, and the files through this origin
    assert re.search(
        rf'<input id="share-1" type="text" readonly value="http://127.0.0.1:8000/certificates/{re.escape(identifier)}"',
        mine.text,
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"].startswith('attachment; filename="licence-')
    # another citizen sees none of them and gets none of the files
    assert theirs.status_code == 200
    assert identifier not in theirs.text
    assert translate("portal.licences.none", name="城关区") in text_of(theirs.text)
    assert [r.status_code for r in refused] == [404, 404]
