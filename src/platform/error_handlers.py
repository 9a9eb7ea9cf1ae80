"""The one place where errors become HTTP responses.

Every answer has the shape `{"error": {"code", "message", "pointer"?, "errors"?}}`
(documented once, `edge.openapi`). An unexpected error is logged as one
structured line with the request id, the exception's type and message and the
line that raised it; the traceback goes to a separate DEBUG record, and never
to the client.
"""

from __future__ import annotations

import secrets
import traceback
from collections.abc import Callable, Mapping
from typing import Any, Final

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DataError

from yiwang.platform.edge.shell import request_id_of
from yiwang.platform.errors import YiwangError
from yiwang.platform.i18n import negotiate_locale, translate

log = structlog.get_logger(__name__)

#: the app-state key of the page that shows an error in the site's layout: given the
#: request's scope, the status and the error body, the HTML (set by the composition root)
ERROR_PAGE_STATE: Final = "html_error_page"
HtmlErrorPage = Callable[[Mapping[str, Any], int, Mapping[str, Any]], str]


def _locale(request: Request[Any, Any, Any]) -> str:
    return negotiate_locale(request.headers.get("accept-language"))


def wants_html(path: str, accept: str) -> bool:
    """HTML when the client asks for it (a browser does), the JSON error otherwise."""
    return not path.startswith("/api/") and "text/html" in accept


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    return wants_html(request.url.path, request.headers.get("accept", ""))


def _render(
    request: Request[Any, Any, Any],
    status: int,
    body: dict[str, Any],
    headers: Mapping[str, str] | None = None,
) -> Response[Any]:
    if _wants_html(request):
        page: HtmlErrorPage | None = request.app.state.get(ERROR_PAGE_STATE)
        if page is not None:
            try:
                drawn = page(request.scope, status, body)
            except Exception as exc:  # the error page itself failed: the plain one below
                log.error("error_page_failed", error=type(exc).__name__, detail=str(exc)[:300])
            else:
                return Response(
                    drawn, status_code=status, media_type=MediaType.HTML, headers=headers
                )
        html = (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{status}</title></head><body><main><h1>{status}</h1>"
            f"<p>{_escape(body['message'])}</p></main></body></html>"
        )
        return Response(html, status_code=status, media_type=MediaType.HTML, headers=headers)
    return Response({"error": body}, status_code=status, media_type=MediaType.JSON, headers=headers)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def yiwang_error_handler(request: Request[Any, Any, Any], exc: YiwangError) -> Response[Any]:
    return _render(request, exc.status, exc.as_dict(_locale(request)))


def validation_error_handler(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[Any]:
    locale = _locale(request)
    details = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            key = str(item.get("key") or "")
            details.append(
                {
                    "code": "request.field_invalid",
                    "pointer": "/" + key.replace(".", "/") if key else "",
                    "message": translate(
                        "request.field_invalid", locale, detail=str(item.get("message", ""))
                    ),
                }
            )
    body = {
        "code": "request.invalid",
        "message": translate("request.invalid", locale, detail=exc.detail),
        "errors": details,
    }
    return _render(request, 400, body)


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    locale = _locale(request)
    if isinstance(exc, NotFoundException):
        code = "not_found"
    elif isinstance(exc, MethodNotAllowedException):
        code = "method_not_allowed"
    elif exc.status_code == 413:
        code = "request.too_large"
    elif exc.status_code == 401:
        code = "auth.required"
    elif exc.status_code == 403:
        code = "auth.forbidden"
    else:
        code = "request.invalid"
    return _render(
        request,
        exc.status_code,
        {"code": code, "message": translate(code, locale, detail=exc.detail)},
        # a 405 says which methods the path has (Allow); Litestar puts it on the exception
        headers=exc.headers,
    )


def _raised_at(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "-"


def data_error_handler(request: Request[Any, Any, Any], exc: DataError) -> Response[Any]:
    """PostgreSQL refused a value (class 22: too long, out of range, NUL...): the input's fault."""
    log.warning(
        "value_unstorable",
        request_id=request_id_of(request.scope),
        method=request.method,
        path=request.url.path,
        error=type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__,
    )
    body = {
        "code": "request.value_unstorable",
        "message": translate("request.value_unstorable", _locale(request)),
    }
    return _render(request, 422, body)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request_id = request_id_of(request.scope)
    if request_id == "-":  # an app without the edge shell (some tests)
        request_id = secrets.token_hex(8)
    log.error(
        "unhandled_error",
        request_id=request_id,
        method=request.method,
        path=request.url.path,
        error=type(exc).__name__,
        detail=str(exc)[:300],
        at=_raised_at(exc),
    )
    log.debug(
        "unhandled_error_traceback",
        request_id=request_id,
        traceback="".join(traceback.format_exception(exc)),
    )
    locale = _locale(request)
    return _render(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        {
            "code": "internal",
            "message": translate("internal", locale, request_id=request_id),
            "request_id": request_id,
        },
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    YiwangError: yiwang_error_handler,
    ValidationException: validation_error_handler,
    DataError: data_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
