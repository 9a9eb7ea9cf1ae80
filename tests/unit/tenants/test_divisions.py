from __future__ import annotations

from pathlib import Path

import pytest

from yiwang.platform.errors import InvalidInput
from yiwang.tenants.models import Level
from yiwang.tenants.onboarding.divisions import parse_divisions

TEMPLATES = Path(__file__).resolve().parents[3] / "tenant_templates"
HEADER = "code,name,level,parent_code\n"


def _error(text: str | bytes, **kwargs: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_divisions(text, **kwargs)  # type: ignore[arg-type]
    return info.value


def test_gansu_file_parses_parent_first() -> None:
    rows = parse_divisions((TEMPLATES / "gansu-divisions.csv").read_bytes())
    assert len(rows) == 103
    seen: set[str] = set()
    for row in rows:
        assert row.parent_code is None or row.parent_code in seen
        seen.add(row.code)
    assert rows[0].code == "620000" and rows[0].level is Level.PROVINCE


def test_byte_order_mark_is_accepted() -> None:
    rows = parse_divisions(("\ufeff" + HEADER + "110000,北京市,province,\n").encode())
    assert [r.code for r in rows] == ["110000"]


def test_not_utf8_names_the_line() -> None:
    raw = (
        HEADER + "620000,甘肃省,province,\n"
    ).encode() + "620100,兰州市,prefecture,620000\n".encode("gbk")
    err = _error(raw)
    assert err.code == "divisions.not_utf8" and err.params["line"] == 3


@pytest.mark.parametrize(
    ("body", "code", "line"),
    [
        (
            "620000,甘肃省,province,\n620100,兰州市,prefecture,620000,extra\n",
            "divisions.columns",
            3,
        ),
        ("620000,甘肃省,province,\n62010,兰州市,prefecture,620000\n", "divisions.code_format", 3),
        (
            "620000,甘肃省,province,\n620100,兰州市,prefecture,620000\n620100,兰州,prefecture,620000\n",
            "divisions.duplicate_code",
            4,
        ),
        ("620000,甘肃省,province,\n620100,,prefecture,620000\n", "divisions.name_empty", 3),
        ("620000,甘肃省,province,\n620100,兰州市,city,620000\n", "divisions.level_unknown", 3),
        ("620000,甘肃省,province,\n620102,城关区,county,620199\n", "divisions.parent_unknown", 3),
        (
            "620000,甘肃省,province,\n620100,兰州市,prefecture,620102\n620102,城关区,county,620100\n",
            "divisions.level_order",
            3,
        ),
        (
            "620000,甘肃省,province,\n620100,兰州市,prefecture,620000\n620200,嘉峪关市,prefecture,620100\n",
            "divisions.level_order",
            4,
        ),
        ("620100,兰州市,prefecture,\n", "divisions.root_level", 2),
        ("620000,甘肃省,province,\n630000,青海省,province,\n", "divisions.root", 2),
        ("620000,甘肃省,province,\n620100,兰州市,prefecture,620100\n", "divisions.cycle", 3),
        # a right-to-left override makes "城关区" display reversed in every list and export
        (
            "620000,甘肃省,province,\n620100,\u202e区关城,prefecture,620000\n",
            "divisions.name_unsafe",
            3,
        ),
        ("620000,甘肃\u200b省,province,\n", "divisions.name_unsafe", 2),
        ("620000,甘\x85肃省,province,\n", "divisions.name_unsafe", 2),
        (
            '620000,"=HYPERLINK(""http://evil.example"",""甘肃"")",province,\n',
            "divisions.name_formula",
            2,
        ),
        ("620000,@SUM(1),province,\n", "divisions.name_formula", 2),
    ],
)
def test_bad_rows_name_line_and_rule(body: str, code: str, line: int) -> None:
    err = _error(HEADER + body)
    assert err.code == code
    assert err.params["line"] == line
    assert err.pointer == f"/lines/{line}"
    assert str(line) in err.message()


def test_a_cycle_of_two_breaks_the_level_order_and_names_its_line() -> None:
    """Levels are strictly ordered, so two regions parenting each other always put one
    under a region of its own level: the level rule is what reports it."""
    body = "620000,甘肃省,province,\n620101,甲,zone,620102\n620102,乙,zone,620101\n"
    err = _error(HEADER + body)
    assert (err.code, err.pointer) == ("divisions.level_order", "/lines/3")


def test_a_cycle_of_two_attached_to_an_existing_tree_is_refused() -> None:
    body = "620101,甲,prefecture,620102\n620102,乙,prefecture,620101\n"
    err = _error(HEADER + body, known_parents={"620000": Level.PROVINCE})
    assert (err.code, err.pointer) == ("divisions.level_order", "/lines/2")


def test_a_region_that_is_its_own_parent_is_a_cycle() -> None:
    body = "620000,甘肃省,province,\n620101,甲,county,620101\n"
    err = _error(HEADER + body)
    assert (err.code, err.pointer) == ("divisions.cycle", "/lines/3")


def test_wrong_header_and_empty_file() -> None:
    assert _error("代码,名称\n620000,甘肃省\n").code == "divisions.header"
    assert _error("").code == "divisions.empty"
    assert _error(HEADER).code == "divisions.empty"


def test_file_may_extend_a_known_tree() -> None:
    rows = parse_divisions(
        HEADER + "620199,新区,zone,620100\n", known_parents={"620100": Level.PREFECTURE}
    )
    assert rows[0].parent_code == "620100"


def test_province_level_county_is_allowed() -> None:
    rows = parse_divisions(HEADER + "410000,河南省,province,\n419001,济源市,county,410000\n")
    assert rows[1].level is Level.COUNTY
