"""One error type per kind of failure; the HTTP mapping lives in `error_handlers`.

Every error carries a stable `code` (a key of the message catalogue), the
parameters of its message and, where it concerns a value, the JSON pointer of
that value. Callers raise; only the edge renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from yiwang.platform.i18n import translate


@dataclass(frozen=True)
class ErrorDetail:
    """One problem with one value."""

    code: str
    pointer: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, locale: str = "zh-CN") -> str:
        return translate(self.code, locale, **self.params)

    def as_dict(self, locale: str = "zh-CN") -> dict[str, Any]:
        """The one rendering of a problem, wherever a list of problems is shown (API error
        bodies, `{"valid": false, "errors": [...]}` answers, the command line). The
        pointer is always present: `""` is the whole document."""
        return {"code": self.code, "pointer": self.pointer or "", "message": self.message(locale)}


def render_details(details: list[ErrorDetail], locale: str = "zh-CN") -> list[dict[str, Any]]:
    return [d.as_dict(locale) for d in details]


class YiwangError(Exception):
    """Base of every expected failure. Subclasses fix the HTTP status."""

    status: ClassVar[int] = 400

    def __init__(
        self,
        code: str,
        /,
        *,
        pointer: str | None = None,
        details: list[ErrorDetail] | None = None,
        **params: Any,
    ) -> None:
        self.code = code
        self.pointer = pointer
        self.params = params
        self.details = details or []
        super().__init__(f"{code}: {translate(code, **params)}")

    def message(self, locale: str = "zh-CN") -> str:
        return translate(self.code, locale, **self.params)

    def as_dict(self, locale: str = "zh-CN") -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message(locale)}
        if self.pointer is not None:
            out["pointer"] = self.pointer
        if self.details:
            out["errors"] = [d.as_dict(locale) for d in self.details]
        return out


class MalformedRequest(YiwangError):
    """The request cannot even be read: a body that is not the syntax it claims (400)."""

    status = 400


class InvalidInput(YiwangError):
    """The caller sent something malformed or breaking a rule (400/422)."""

    status = 422


class NotAuthenticated(YiwangError):
    status = 401


class PermissionDenied(YiwangError):
    status = 403


class NotFound(YiwangError):
    status = 404


class Conflict(YiwangError):
    status = 409


class Gone(YiwangError):
    """It existed and was removed for good (an export past its retention): ask anew."""

    status = 410


class PayloadTooLarge(YiwangError):
    status = 413


class UnsupportedMediaType(YiwangError):
    """The body's Content-Type is not one the route takes."""

    status = 415


class RateLimited(YiwangError):
    status = 429


class TenantUnavailable(YiwangError):
    """The tenant exists but is suspended or archived."""

    status = 503


class ServiceUnavailable(YiwangError):
    """A backing service (database, storage) failed; nothing was half-written."""

    status = 503


class TenantContextMissing(YiwangError):
    """Code tried to touch tenant data without setting the tenant context."""

    status = 500
