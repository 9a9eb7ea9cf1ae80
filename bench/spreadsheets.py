"""Spreadsheet libraries, chosen by measurement: writing 15-column records
(openpyxl write-only against XlsxWriter constant_memory) and reading them back
(openpyxl read-only against python-calamine), at 10k, 100k and 1M rows.

Every measurement runs in a fresh Python process (`--child`), so one run's
heap never inflates the next. Two runs per (task, size):
- timed: wall time of the work, and the process's peak RSS (`ru_maxrss`,
  which includes the interpreter and imports: the RSS right before the work
  is reported too, so growth = peak - start);
- traced: the same work under tracemalloc, whose peak counts Python's own
  allocations only (not calamine's Rust heap, nor XlsxWriter's temp files).
Baselines from the same run and the same rows: generating the rows alone,
and writing / reading them as CSV with the stdlib (`csv`).

Run (no services needed):
    uv run python bench/spreadsheets.py [--sizes 10000,100000,1000000]
        [--no-trace-above 100000] [--openpyxl-up-to 100000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))

import _vocabulary

from yiwang.runtime.spreadsheets.cells import escape_formula
from yiwang.runtime.spreadsheets.exporting import Column, write_csv, write_xlsx
from yiwang.runtime.spreadsheets.importing import Field, read_xlsx
from yiwang.runtime.spreadsheets.inspection import Limits

COLUMNS = [
    Column("task_name", "事项名称"),
    Column("task_code", "事项编码"),
    Column("power_type", "权力类型"),
    Column("dept_name", "实施主体"),
    Column("division", "区划代码"),
    Column("legal_basis", "设定依据"),
    Column("anticipate_day", "法定办结时限"),
    Column("promise_day", "承诺办结时限"),
    Column("charge", "是否收费"),
    Column("fee", "收费金额（元）"),
    Column("address", "办理地点"),
    Column("phone", "咨询电话"),
    Column("accept_date", "受理日期"),
    Column("updated_at", "更新时间"),
    Column("note", "备注"),
]
FIELDS = [Field(c.key, c.label) for c in COLUMNS]
POWER_TYPES = ["行政许可", "行政处罚", "行政强制", "行政征收", "行政给付", "行政检查", "行政确认"]
LAWS = [
    "《中华人民共和国行政许可法》",
    "《食品安全法》第三十五条",
    "《道路运输条例》第十条",
    "《社会救助暂行办法》",
]
STREETS = ["城关区南昌路", "七里河区西津西路", "安宁区北滨河路", "肃州区富康路", "秦州区民主西路"]
SIZES = (10_000, 100_000, 1_000_000)
BIG = Limits(
    max_file_bytes=2**31, max_uncompressed_bytes=2**33, max_rows=2_000_000, max_members=100
)


def rows(count: int) -> Iterator[dict[str, Any]]:
    """Realistic records of the power list, generated as they are consumed."""
    rng = random.Random(7)
    names = _vocabulary.names(count)
    base = datetime(2026, 1, 1, 8, 0)
    for i, name in enumerate(names):
        yield {
            "task_name": name,
            "task_code": f"6201{rng.randrange(100):02d}-XK-{i:07d}",
            "power_type": rng.choice(POWER_TYPES),
            "dept_name": name[: rng.randrange(6, 14)] + "局",
            "division": 620100 + rng.randrange(1, 30),
            "legal_basis": rng.choice(LAWS),
            "anticipate_day": rng.choice((20, 30, 45, 60)),
            "promise_day": rng.randrange(1, 20),
            "charge": rng.random() < 0.2,
            "fee": Decimal(rng.randrange(0, 500_000)) / 100,
            "address": (
                f"{rng.choice(STREETS)}{rng.randrange(1, 999)}号政务服务中心{rng.randrange(1, 9)}楼"
            ),
            "phone": f"0931-{rng.randrange(8_000_000, 8_999_999)}",
            "accept_date": date(2026, 1, 1) + timedelta(days=rng.randrange(365)),
            "updated_at": base + timedelta(minutes=rng.randrange(500_000)),
            "note": '=HYPERLINK("http://x")' if i % 997 == 0 else ("无" if i % 3 else ""),
        }


# --- the tasks (each runs in a child process) ------------------------------


def task_generate(n: int, path: Path) -> int:
    return sum(1 for _ in rows(n))


def task_write_csv(n: int, path: Path) -> int:
    with path.open("wb") as out:
        return write_csv(rows(n), COLUMNS, out)


def task_write_xlsxwriter(n: int, path: Path) -> int:
    return write_xlsx(rows(n), COLUMNS, path)


def task_write_openpyxl(n: int, path: Path) -> int:
    """openpyxl's write-only mode doing the same work: escaped strings kept as
    strings (its cells read a leading '=' as a formula), typed numbers and dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    bold = Font(bold=True)
    header = []
    for c in COLUMNS:
        cell = WriteOnlyCell(sheet, value=c.label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows(n):
        out: list[Any] = []
        for c in COLUMNS:
            v = row.get(c.key)
            if isinstance(v, bool):
                v = "是" if v else "否"
            if isinstance(v, str):
                cell = WriteOnlyCell(sheet, value=escape_formula(v))
                cell.data_type = "s"
                out.append(cell)
            elif isinstance(v, Decimal):
                out.append(float(v))
            elif isinstance(v, datetime):
                cell = WriteOnlyCell(sheet, value=v)
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
                out.append(cell)
            elif isinstance(v, date):
                cell = WriteOnlyCell(sheet, value=v)
                cell.number_format = "yyyy-mm-dd"
                out.append(cell)
            else:
                out.append(v)
        sheet.append(out)
        count += 1
    book.save(path)
    return count


def task_read_csv(n: int, path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def task_read_calamine(n: int, path: Path) -> int:
    import python_calamine

    with python_calamine.CalamineWorkbook.from_path(path) as book:
        return sum(1 for _ in book.get_sheet_by_index(0).iter_rows()) - 1


def task_read_openpyxl(n: int, path: Path) -> int:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
    finally:
        book.close()


def task_import(n: int, path: Path) -> int:
    """The shipped import: inspection, calamine, header mapping, typed values."""
    return len(read_xlsx(path, FIELDS, limits=BIG).rows)


TASKS = {
    "generate rows (baseline)": (task_generate, None),
    "write CSV, stdlib (baseline)": (task_write_csv, "csv"),
    "write XLSX, XlsxWriter constant_memory": (task_write_xlsxwriter, "xlsx"),
    "write XLSX, openpyxl write-only": (task_write_openpyxl, "openpyxl.xlsx"),
    "read CSV, stdlib (baseline)": (task_read_csv, "csv"),
    "read XLSX, python-calamine": (task_read_calamine, "xlsx"),
    "read XLSX, openpyxl read-only": (task_read_openpyxl, "xlsx"),
    "import XLSX (read_xlsx: inspect + calamine + mapping)": (task_import, "xlsx"),
}


def child(task: str, n: int, path: Path, trace: bool) -> None:
    fn, _ = TASKS[task]
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    count = fn(n, path)
    seconds = time.perf_counter() - t0
    result: dict[str, Any] = {"count": count}
    if trace:
        result["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    else:
        result["seconds"] = seconds
        result["rss_start_kb"] = start_rss
        result["rss_peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(result))


def run_child(task: str, n: int, path: Path, trace: bool) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", task, str(n), str(path)]
    if trace:
        cmd.append("--trace")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=3, metavar=("TASK", "N", "PATH"))
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument(
        "--no-trace-above", type=int, default=100_000, help="skip tracemalloc runs above this size"
    )
    parser.add_argument(
        "--openpyxl-up-to",
        type=int,
        default=100_000,
        help="skip the openpyxl runs above this size (about half an hour at 1M rows here)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=0,
        help="instead: time the two writers and the two readers alternately, N rounds each",
    )
    parser.add_argument("--rounds-size", type=int, default=20_000)
    args = parser.parse_args()
    if args.rounds:
        alternate(args.rounds, args.rounds_size)
        return
    if args.child:
        task, n, path = args.child
        child(task, int(n), Path(path), args.trace)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[tuple[str, int], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            for task, (_, suffix) in TASKS.items():
                if "openpyxl" in task and n > args.openpyxl_up_to:
                    continue
                path = Path(tmp) / f"{n}.{suffix or 'none'}"
                timed = run_child(task, n, path, trace=False)
                if n <= args.no_trace_above:
                    timed["traced_peak"] = run_child(task, n, path, trace=True)["traced_peak"]
                if suffix and task.startswith("write"):
                    timed["file_bytes"] = path.stat().st_size
                assert timed["count"] == n, (task, n, timed)
                results[(task, n)] = timed
                print(f"{task} {n}: {timed}", file=sys.stderr, flush=True)
    report(sizes, results)


def alternate(rounds: int, n: int) -> None:
    """The libraries head to head, alternating, so a noisy machine hits both alike."""
    pairs = [
        ("write CSV, stdlib (baseline)", "csv"),
        ("write XLSX, XlsxWriter constant_memory", "xlsx"),
        ("write XLSX, openpyxl write-only", "openpyxl.xlsx"),
        ("read CSV, stdlib (baseline)", "csv"),
        ("read XLSX, python-calamine", "xlsx"),
        ("read XLSX, openpyxl read-only", "xlsx"),
    ]
    times: dict[str, list[float]] = {task: [] for task, _ in pairs}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for task, suffix in pairs:
                r = run_child(task, n, Path(tmp) / f"{n}.{suffix}", trace=False)
                times[task].append(r["seconds"])
    print(
        f"| task ({n:,} rows, {rounds} alternating rounds) | median (s) | ratio to CSV | all (s) |"
    )
    print("| --- | --- | --- | --- |")
    for task, values in times.items():
        base = times[
            "write CSV, stdlib (baseline)"
            if task.startswith("write")
            else "read CSV, stdlib (baseline)"
        ]
        med = sorted(values)[len(values) // 2]
        ratio = med / sorted(base)[len(base) // 2]
        print(f"| {task} | {med:.2f} | {ratio:.1f} | {', '.join(f'{v:.2f}' for v in values)} |")


def report(sizes: list[int], results: dict[tuple[str, int], dict[str, Any]]) -> None:
    print(
        "| task | rows | time (s) | ratio to CSV | rows/s | peak RSS (MiB) | RSS growth (MiB) "
        "| tracemalloc peak (MiB) | file (MiB) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for task in TASKS:
        base = (
            "write CSV, stdlib (baseline)"
            if task.startswith(("write", "generate"))
            else ("read CSV, stdlib (baseline)")
        )
        for n in sizes:
            if (task, n) not in results:
                print(f"| {task} | {n:,} | not run | | | | | | |")
                continue
            r = results[(task, n)]
            ratio = r["seconds"] / results[(base, n)]["seconds"]
            traced = f"{r['traced_peak'] / 2**20:.1f}" if "traced_peak" in r else "not run"
            size = f"{r['file_bytes'] / 2**20:.1f}" if "file_bytes" in r else ""
            growth = (r["rss_peak_kb"] - r["rss_start_kb"]) / 1024
            print(
                f"| {task} | {n:,} | {r['seconds']:.2f} | {ratio:.2f} | {n / r['seconds']:,.0f} | "
                f"{r['rss_peak_kb'] / 1024:.0f} | {growth:.0f} | {traced} | {size} |"
            )


if __name__ == "__main__":
    main()
