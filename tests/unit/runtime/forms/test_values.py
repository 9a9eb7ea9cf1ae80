"""A table's file column is read as a file field is: the refs a cell holds come back in
its row, and a stored payload shows them again."""

from __future__ import annotations

import json
from typing import Any

from yiwang.metadata.generators.descriptors import citizen_form_descriptor
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.runtime.forms.values import FILE_PREFIX, read_submission, typed_from_payload

TENANT = "620102"
REF: dict[str, Any] = {
    "key": "t/1/attachments/abc",
    "name": "执照.png",
    "size": 10,
    "content_type": "image/png",
    "sha256": "0" * 64,
}


def test_file_cells_land_in_their_rows_and_come_back(
    effective: dict[str, EffectiveModel],
) -> None:
    descriptor = citizen_form_descriptor(effective[TENANT], TENANT, "application", "apply")
    posted = {
        "materials.0.material_name": ["营业执照"],
        # an empty row between: the third posted row is the payload's second
        "materials.1.material_name": [""],
        "materials.2.material_name": ["平面图"],
        f"{FILE_PREFIX}materials.2.files": [json.dumps(REF), "not json"],
        "_rows.materials": ["3"],
    }
    sub = read_submission(descriptor, posted)
    assert sub.payload["materials"] == [
        {"material_name": "营业执照"},
        {"material_name": "平面图", "files": [REF]},
    ]
    assert sub.kept_rows["materials"] == {0: 0, 2: 1}
    assert sub.typed["materials.1.files"] == [REF]
    assert sub.typed["materials.0.files"] == []

    # a row holding only a file is a row
    only = read_submission(descriptor, {f"{FILE_PREFIX}materials.0.files": [json.dumps(REF)]})
    assert only.payload["materials"] == [{"files": [REF]}]

    shown = typed_from_payload(descriptor, sub.payload)
    assert shown.typed["materials.1.files"] == [REF]
    assert shown.typed["materials.0.files"] == []
