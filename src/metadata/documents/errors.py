"""The two kinds of failure metadata reports, each with the pointers of what broke."""

from __future__ import annotations

from yiwang.platform.errors import InvalidInput


class MetadataInvalid(InvalidInput):
    """A metadata document or overlay breaks the meta-schema or an overlay rule."""


class FormInvalid(InvalidInput):
    """Record data fails the effective model's schema or rules."""
