"""Spreadsheets: list exports to CSV and XLSX, and XLSX imports into rows keyed
by field, with every problem named by row, column and header.

`files`: the export formats both exports write and where their files are kept
(the names the retention sweep may delete).

Pure: no database, no HTTP. The list runtime hands it rows and headers, and
validates what it reads against the record schema before writing anything.
Imports only the kernel (`yiwang.platform`).
"""

from yiwang.runtime.spreadsheets import messages as _messages  # noqa: F401  (registers this room's messages)
