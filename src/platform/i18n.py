"""Render catalogue messages in the user's language."""

from __future__ import annotations

from typing import Any

from yiwang.platform.messages import CATALOGUES, DEFAULT_LOCALE


def negotiate_locale(accept_language: str | None) -> str:
    """Pick the best catalogue for an Accept-Language header; Chinese by default."""
    if not accept_language:
        return DEFAULT_LOCALE
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip()
        for locale in CATALOGUES:
            if tag.lower() == locale.lower() or locale.lower().startswith(tag.lower() + "-"):
                return locale
    return DEFAULT_LOCALE


def translate(code: str, locale: str = DEFAULT_LOCALE, /, **params: Any) -> str:
    """Return the message for `code`; an unknown code falls back to the default locale."""
    catalogue = CATALOGUES.get(locale) or CATALOGUES[DEFAULT_LOCALE]
    template = catalogue.get(code) or CATALOGUES[DEFAULT_LOCALE].get(code)
    if template is None:
        raise KeyError(f"message code {code!r} is not in the catalogue")
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
