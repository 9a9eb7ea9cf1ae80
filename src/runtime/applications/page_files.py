"""The files an application page posts, wherever the form has a file input: a file
field, or a file column of a table (申请材料's 材料文件 in every row).

Each chosen file is stored and verified (`uploads.PageUploads`) before the post is
read, and then posted back as what its input holds, a `_file.<name>` ref, exactly
as a file stored on an earlier draw comes back; so `read_submission` puts it in
its field or in its table row like any other value, and a draft keeps it. A refused
file is a problem at its pointer (`/field`, or `/table/row/column` with the row as
the payload numbers it). A draft keeps only the refs of the person's own verified
uploads (`draft_files`). No session of its own: the store and the references are given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from yiwang.metadata.documents import pointers
from yiwang.platform.errors import ErrorDetail
from yiwang.policy.guards import Access
from yiwang.runtime.applications.uploads import PageUploads, uploaded_files
from yiwang.runtime.attachments.errors import ReferenceInvalid
from yiwang.runtime.attachments.references import References
from yiwang.runtime.forms.fields import form_specs
from yiwang.runtime.forms.values import FILE_PREFIX, Submission, file_refs

FILE_KINDS: Final = frozenset({"file", "files"})


@dataclass(frozen=True)
class FileInput:
    """One file input of the page: its name, the field it belongs to, and its pointer."""

    #: the input's name (`key`, or `table.row.column`)
    name: str
    #: the form's key of the field (`key`, or `table/column` as attachments name it)
    field: str
    several: bool
    #: the page field (`key`) and, in a table, the posted row and the column
    pointer: tuple[str, ...]


def _row_indexes(table: str, column: str, names: Sequence[str]) -> list[int]:
    """The posted rows of `table` with a value for `column` (a file, or a stored ref)."""
    rows: set[int] = set()
    for name in names:
        parts = name.removeprefix(FILE_PREFIX).split(".")
        cell = len(parts) >= 3 and parts[-1] == column and parts[-2].isdigit()
        if cell and ".".join(parts[:-2]) == table:
            rows.add(int(parts[-2]))
    return sorted(rows)


def file_inputs(descriptor: Mapping[str, Any], names: Sequence[str]) -> Iterator[FileInput]:
    """The file inputs of the descriptor's form among the posted `names`."""
    for key, spec in form_specs(descriptor).items():
        if spec.kind in FILE_KINDS:
            yield FileInput(key, key, spec.kind == "files", (key,))
        elif spec.kind == "table":
            for column in spec.columns:
                if column.kind not in FILE_KINDS:
                    continue
                for row in _row_indexes(key, column.key, names):
                    yield FileInput(
                        f"{key}.{row}.{column.key}",
                        f"{key}/{column.key}",
                        column.kind == "files",
                        (key, str(row), column.key),
                    )


async def store_posted_files(
    access: Access,
    uploads: PageUploads,
    descriptor: Mapping[str, Any],
    posted: dict[str, list[Any]],
    item_of: Callable[[str], tuple[str, str]],
) -> list[ErrorDetail]:
    """Store every chosen file and post it back as its input's `_file.` ref (appended
    for several, replacing for one); the refusals, at their inputs' pointers.

    `item_of(field)` names the item type and field an upload is for."""
    problems: list[ErrorDetail] = []
    for found in list(file_inputs(descriptor, list(posted))):
        files = uploaded_files(posted, found.name)
        if not files:
            continue
        item_type, field = item_of(found.field)
        stored: list[str] = []
        for upload in files if found.several else files[:1]:
            pointer = pointers.join("", *found.pointer)
            done = await uploads.store(access, item_type, field, upload, pointer)
            if done.problem is not None:
                problems.append(done.problem)
            elif done.value is not None:
                stored.append(json.dumps(done.value, ensure_ascii=False))
        if stored:
            held = posted.get(FILE_PREFIX + found.name, []) if found.several else []
            posted[FILE_PREFIX + found.name] = [*held, *stored]
    return problems


def relocated(problems: Sequence[ErrorDetail], sub: Submission) -> list[ErrorDetail]:
    """The problems of table cells at the row the payload gave their posted row (a row
    left with nothing but a refused file is no row: its problem is the table's)."""
    moved: list[ErrorDetail] = []
    for problem in problems:
        tokens = list(pointers.tokens(problem.pointer or ""))
        if len(tokens) == 3 and tokens[1].isdigit():
            row = sub.kept_rows.get(tokens[0], {}).get(int(tokens[1]))
            pointer = (
                pointers.join("", tokens[0], row, tokens[2])
                if row is not None
                else pointers.join("", tokens[0])
            )
            problem = ErrorDetail(problem.code, pointer, problem.params)
        moved.append(problem)
    return moved


async def draft_files(
    access: Access,
    references: References,
    descriptor: Mapping[str, Any],
    posted: Mapping[str, Sequence[Any]],
    item_of: Callable[[str], tuple[str, str]],
) -> tuple[dict[str, list[Any]], list[ErrorDetail]]:
    """What a draft keeps of the files, by input name as posted: each ref that names the
    person's own verified upload for that field, as the server measured it (the page
    verifies every upload before it is held, so a draft loses nothing of its own), and
    the refusals of the others at their inputs' pointers."""
    files: dict[str, list[Any]] = {}
    problems: list[ErrorDetail] = []
    for found in file_inputs(descriptor, list(posted)):
        item_type, field = item_of(found.field)
        kept: list[Any] = []
        for ref in file_refs(posted, found.name):
            try:
                stored = await references.referenced(
                    access.tenant.id,
                    ref,
                    item_type=item_type,
                    field=field,
                    owner_account_id=access.principal.account_id,
                )
            except ReferenceInvalid as refused:
                pointer = pointers.join("", *found.pointer)
                problems.append(ErrorDetail(refused.code, pointer, refused.params))
            else:
                kept.append(stored.as_dict())
        files[found.name] = kept
    return files, problems
