"""Issue 11: `yiwang bench seed` stopped with `GeneratorStuck` in 620721 at its
certificates (a certificate drawn 注销 five times in a row without the 注销原因 its rule
requires), and the command showed only "系统内部错误". The smallest seeding that got
stuck completes now; a generator that really cannot make a record says where and why,
in Chinese, with exit code 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.metadata.conftest import restore  # noqa: F401  (a fixture)
from tests.integration.runtime.conftest import Runtime
from yiwang.cli import main
from yiwang.platform.unit_of_work import UnitOfWork, unit_of_work
from yiwang.runtime.seeding.service import Seeder, type_counts
from yiwang.tenants.tree import TenantTree

#: 肃南裕固族自治县: the tenant of the issue (no other test's records, no overlay)
STUCK = "620721"
#: the smallest seeding of it found to stop at a certificate before the fix
RECORDS, SEED = 2_000, 1632
#: 肃北蒙古族自治县: a tenant given a model the generator cannot fill, here only
UNFILLABLE = "620923"


def _clear(admin_sql: psycopg.Connection, tenant_id: int) -> Iterator[None]:
    first = admin_sql.execute("SELECT coalesce(max(id), 0) FROM records").fetchone()
    assert first is not None
    yield
    admin_sql.execute(
        "DELETE FROM records WHERE tenant_id = %s AND id > %s", (tenant_id, int(first[0]))
    )


@pytest.fixture
def stuck_cleared(admin_sql: psycopg.Connection, runtime: Runtime) -> Iterator[None]:
    yield from _clear(admin_sql, runtime.tree.node(STUCK).id)


@pytest.fixture
def unfillable_cleared(admin_sql: psycopg.Connection, installed: TenantTree) -> Iterator[None]:
    yield from _clear(admin_sql, installed.node(UNFILLABLE).id)


async def test_the_seeding_that_got_stuck_at_a_certificate_completes(
    runtime: Runtime, admin_sql: psycopg.Connection, stuck_cleared: None
) -> None:
    sessions: async_sessionmaker[AsyncSession] = runtime.sessions

    def units() -> AbstractAsyncContextManager[UnitOfWork]:
        return unit_of_work(sessions, actor="test")

    first = admin_sql.execute("SELECT coalesce(max(id), 0) FROM records").fetchone()
    assert first is not None
    result = await Seeder(units, runtime.tree, runtime.models, runtime.seal, SEED).run(
        RECORDS, STUCK
    )
    assert result.written == type_counts(RECORDS)
    statuses = admin_sql.execute(
        "SELECT data->>'cert_status', count(*), count(data->>'cancel_reason') FROM records"
        " WHERE tenant_id = %s AND id > %s AND type_key = 'certificate' GROUP BY 1",
        (runtime.tree.node(STUCK).id, int(first[0])),
    ).fetchall()
    cancelled = {s: (n, reasons) for s, n, reasons in statuses}["cancelled"]
    assert cancelled[0] > 0
    assert cancelled[1] == cancelled[0]  # every cancelled certificate says why


def test_a_stuck_generator_is_one_line_in_chinese_and_exit_1(
    tmp_path: Path,
    restore: None,  # noqa: F811
    unfillable_cleared: None,
) -> None:
    """A model with a required field of a pattern the generator has no values for."""
    ticket = {"type": "text", "label": "工单编号", "required": True, "pattern": "^GS[0-9]{6}$"}
    overlay = tmp_path / "overlay.json"
    overlay.write_text(
        json.dumps(
            {
                "tenant": UNFILLABLE,
                "label": "肃北县扩展",
                "documents": {"service_item": {"fields": {"x_ticket": ticket}}},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    imported = invoke("metadata", "import", str(overlay), "--tenant", UNFILLABLE)
    assert imported.exit_code == 0, imported.output
    published = invoke("metadata", "publish", "--tenant", UNFILLABLE, "--yes")
    assert published.exit_code == 0, published.output
    result = invoke("bench", "seed", "--records", "10", "--tenants", UNFILLABLE)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.startswith("{")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    error = json.loads(lines[0])["error"]
    assert error["code"] == "seeding.generator_stuck"
    assert error["message"].startswith(
        f"记录生成器无法为租户 {UNFILLABLE} 生成有效的“政务服务事项”（service_item）记录："
    ), error["message"]
    assert "/x_ticket 请填写“工单编号”" in error["message"]
    assert [(e["code"], e["pointer"]) for e in error["errors"]] == [
        ("metadata.record.required", "/x_ticket")
    ]
