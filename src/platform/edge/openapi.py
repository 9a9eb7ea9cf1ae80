"""The one error shape, documented once and referenced by every operation.

Every failure the platform answers has the body
`{"error": {"code", "message", "pointer"?, "errors"?, "request_id"?}}`
(`error_handlers` renders it). Litestar would document its own
`{status_code, detail, extra}` instead, which no response has; here every
operation gets the statuses the error machinery can answer, all pointing at
the `ErrorResponse` component.
"""

from __future__ import annotations

from typing import Final

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec


class ErrorItem(msgspec.Struct):
    """One problem with one value."""

    code: str
    message: str
    pointer: str | msgspec.UnsetType = msgspec.UNSET


class ErrorBody(msgspec.Struct):
    #: a stable dotted code of the message catalogue; clients may switch on it
    code: str
    #: the message in the caller's language (Simplified Chinese)
    message: str
    #: the JSON pointer of the value at fault, when one is
    pointer: str | msgspec.UnsetType = msgspec.UNSET
    #: every problem found, when there are several
    errors: list[ErrorItem] | msgspec.UnsetType = msgspec.UNSET
    #: for a 500: quote it to the administrator, it finds the log line
    request_id: str | msgspec.UnsetType = msgspec.UNSET


class ErrorResponse(msgspec.Struct):
    error: ErrorBody


#: every status `error_handlers` renders, with what it means here
ERROR_STATUSES: Final = {
    400: "请求格式不正确",
    401: "未登录或登录已失效",
    403: "无权执行此操作（含跨站请求防护）",
    404: "资源不存在（或对调用者不可见）",
    405: "不支持该请求方法（响应头 Allow 列出支持的方法）",
    409: "与当前状态冲突",
    413: "请求内容过大",
    415: "不支持的请求内容类型",
    422: "请求内容不符合规则",
    429: "请求过于频繁",
    500: "系统内部错误",
    503: "服务或地区站点暂不可用",
}


def error_responses() -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=ErrorResponse, generate_examples=False, description=description
        )
        for status, description in ERROR_STATUSES.items()
    }


def precondition_required(header: str) -> dict[int, ResponseSpec]:
    """The 428 of a route that refuses a request without `header` (`Idempotency-Key`,
    `If-Match`): not one of every route's errors, so the route declares it."""
    return {
        428: ResponseSpec(
            data_container=ErrorResponse,
            generate_examples=False,
            description=f"缺少必需的请求头 {header}",
        )
    }


def document_errors(app: Litestar) -> None:
    """Give every documented operation the error responses (its own declarations win)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler):
                handler.responses = {**error_responses(), **(handler.responses or {})}
