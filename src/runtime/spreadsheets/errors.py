"""The two ways an import fails."""

from __future__ import annotations

from yiwang.platform.errors import InvalidInput


class SpreadsheetRejected(InvalidInput):
    """The file itself is refused: not an XLSX, damaged, too large, a zip bomb, macros."""


class SpreadsheetInvalid(InvalidInput):
    """The sheet was read, and some of its columns or cells are wrong (all in `details`)."""
