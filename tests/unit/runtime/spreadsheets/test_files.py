"""Where export files are kept, and which names the retention sweep may delete: only an
export's, directly in its own tenant's folder of exports."""

from __future__ import annotations

import pytest

from yiwang.runtime.lists import export as lists_export
from yiwang.runtime.spreadsheets.files import FORMATS, export_key, exports_folder, is_export_key
from yiwang.runtime.supervision import exports as supervision_exports

ID = "0123456789abcdef" * 2


def test_both_exports_share_the_formats_and_the_folder() -> None:
    assert lists_export.FORMATS is supervision_exports.FORMATS is FORMATS
    assert set(FORMATS) == {"xlsx", "csv"}
    assert exports_folder(16) == "t/16/exports/"
    xlsx, csv = FORMATS["xlsx"], FORMATS["csv"]
    assert lists_export.export_key(16, ID, xlsx) == f"t/16/exports/{ID}.xlsx"
    assert supervision_exports.export_key(16, ID, csv) == f"t/16/exports/supervision-{ID}.csv"
    for bad in ("../../x", ID.upper(), ID[:-1]):
        with pytest.raises(ValueError):
            export_key(16, bad, xlsx)
    with pytest.raises(ValueError):
        export_key(16, ID, xlsx, kind="../")


@pytest.mark.parametrize(
    ("key", "swept"),
    [
        (f"t/16/exports/{ID}.xlsx", True),
        (f"t/16/exports/{ID}.csv", True),
        (f"t/16/exports/supervision-{ID}.csv", True),
        # another tenant's folder, a sub-folder, another name, another extension
        (f"t/17/exports/{ID}.csv", False),
        (f"t/16/exports/x/{ID}.csv", False),
        ("t/16/exports/readme.txt", False),
        (f"t/16/exports/{ID}.pdf", False),
        (f"t/16/exports/{ID}.csv.tmp", False),
        # what else lives under a tenant's prefix, and the certificates' archive
        (f"t/16/attachments/{ID}", False),
        (f"t/16/incoming/{ID}", False),
        (f"t/16/imports/{ID}.xlsx", False),
        (f"certificates/{ID}/certificate.pdf", False),
    ],
)
def test_only_an_exports_own_name_in_its_tenants_folder_is_swept(key: str, swept: bool) -> None:
    assert is_export_key(key, 16) is swept
