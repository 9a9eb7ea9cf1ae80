"""The response cache key: tenant, person, locale, method, path and sorted query.

- the tenant is the one the guard decided (`Access`), else the subsite the
  host or `/r/<code>/` resolved to, else the `{code}` path parameter;
- the person is the session's account when the guard read one; on public
  routes, where the guard reads no session, a presented session token still
  separates callers (by its hash), so a signed-in page is never shared;
- the locale, since messages are translated.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from litestar import Request

from yiwang.platform.i18n import negotiate_locale
from yiwang.platform.request_state import request_state
from yiwang.policy.guards import access_of
from yiwang.policy.identity.dependencies import SESSION_STATE_KEY
from yiwang.policy.identity.sessions import Session, session_token
from yiwang.tenants.subsite import tenant_of

ANONYMOUS = "anonymous"


def _tenant(request: Request[Any, Any, Any]) -> str:
    access = access_of(request)
    if access is not None:
        return f"t{access.tenant.id}"
    subsite = tenant_of(request.scope)
    if subsite is not None:
        return f"t{subsite.id}"
    code = request.path_params.get("code")
    return f"c{code}" if code is not None else "-"


def _person(request: Request[Any, Any, Any]) -> str:
    session = request_state(request).get(SESSION_STATE_KEY)
    if isinstance(session, Session):
        return f"a{session.account_id}"
    token = session_token(request.headers, request.cookies)
    if token:
        return "s" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return ANONYMOUS


def response_cache_key(request: Request[Any, Any, Any]) -> str:
    query = sorted(request.query_params.dict().items())
    return "|".join(
        (
            _tenant(request),
            _person(request),
            negotiate_locale(request.headers.get("accept-language")),
            request.method,
            request.url.path,
            urlencode(query, doseq=True),
        )
    )
