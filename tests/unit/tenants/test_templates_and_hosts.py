from __future__ import annotations

from pathlib import Path

import pytest

from yiwang.platform.errors import NotFound
from yiwang.tenants.models import Level
from yiwang.tenants.onboarding.tenant_templates import load_template
from yiwang.tenants.subsite import parse_host

TEMPLATES = Path(__file__).resolve().parents[3] / "tenant_templates"


def test_gansu_extends_standard() -> None:
    standard = load_template(TEMPLATES, "standard")
    gansu = load_template(TEMPLATES, "gansu")
    assert {d.key for d in standard.departments} < {d.key for d in gansu.departments}
    assert gansu.slugs["620102"] == "chengguan"
    assert gansu.calendar_files == ("cn-holidays-2026.csv",)
    county = {d.key for d in gansu.departments_for(Level.COUNTY)}
    assert "cgj" in county and "mzzj" not in county
    assert gansu.default_roles[Level.COUNTY][0] == "county_operator"


def test_unknown_or_hostile_template_name() -> None:
    for name in ("nowhere", "../standard", "a/b"):
        with pytest.raises(NotFound):
            load_template(TEMPLATES, name)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Chengguan.Yiwang.Localhost:8000", "chengguan.yiwang.localhost"),
        ("127.0.0.1:8000", "127.0.0.1"),
        ("[::1]:8000", "[::1]"),
        ("example.com.", "example.com"),
        ("", ""),
        ("bad host", None),
        ("a" * 300, None),
        ("ex..ample", None),
        ("x:99999999", None),
        ("<script>", None),
    ],
)
def test_parse_host(raw: str, expected: str | None) -> None:
    assert parse_host(raw) == expected
