"""Anchoring the audit chain outside the database (issue 8, finding 10): a superuser
deletes the newest rows, or rewrites a row and every hash after it. The chain alone
still verifies; held against a signed checkpoint, both attacks are reported."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import click
import psycopg
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg.types.json import Jsonb
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform import audit
from yiwang.platform.audit import anchoring
from yiwang.platform.audit.checkpoints import Checkpoint, generate_key
from yiwang.platform.audit.stores import FileStore, ObjectStore, SyslogStore
from yiwang.platform.commands import audit_group
from yiwang.platform.settings import Settings
from yiwang.platform.storage import build_storage

TRIGGER = "audit_log_append_only"


@pytest.fixture
def key(tmp_path: Path) -> Ed25519PrivateKey:
    return generate_key(tmp_path / "signing-key.pem")


@pytest.fixture
def superuser(admin_sql: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """The attacker: a superuser who first turns off the trigger that stops even the owner."""
    yield admin_sql
    admin_sql.execute(f"ALTER TABLE audit_log ENABLE TRIGGER {TRIGGER}")


async def _append(sessions: async_sessionmaker[AsyncSession], n: int, tenant_id: int) -> list[int]:
    async with sessions() as session, session.begin():
        return [
            await audit.record(
                session,
                actor="tester",
                action="test.anchor",
                object_type="thing",
                object_id=str(i),
                tenant_id=tenant_id,
                detail={"i": i},
            )
            for i in range(n)
        ]


def _rows_from(conn: psycopg.Connection, seq: int) -> list[tuple[object, ...]]:
    return conn.execute("SELECT * FROM audit_log WHERE seq >= %s ORDER BY seq", (seq,)).fetchall()


def _put_back(conn: psycopg.Connection, rows: list[tuple[object, ...]]) -> None:
    conn.execute(f"ALTER TABLE audit_log DISABLE TRIGGER {TRIGGER}")
    conn.execute("DELETE FROM audit_log WHERE seq >= %s", (rows[0][0],))
    for row in rows:
        values = [Jsonb(v) if isinstance(v, dict) else v for v in row]
        conn.execute(f"INSERT INTO audit_log VALUES ({', '.join(['%s'] * len(values))})", values)
    conn.execute(f"ALTER TABLE audit_log ENABLE TRIGGER {TRIGGER}")


REHASH = """
DO $$
DECLARE r record; prev bytea;
BEGIN
  SELECT hash INTO prev FROM audit_log WHERE seq = {start} - 1;
  FOR r IN SELECT * FROM audit_log WHERE seq >= {start} ORDER BY seq LOOP
    UPDATE audit_log SET prev_hash = prev,
      hash = sha256(prev || yiwang_audit_canonical(r.seq, r.tenant_id, r.actor, r.action,
             r.object_type, r.object_id, r.outcome, r.detail, r.at))
    WHERE seq = r.seq RETURNING hash INTO prev;
  END LOOP;
END $$
"""


async def test_deleting_the_newest_rows_is_reported_as_truncation(
    sessions: async_sessionmaker[AsyncSession],
    gansu: dict[str, int],
    superuser: psycopg.Connection,
    key: Ed25519PrivateKey,
    tmp_path: Path,
) -> None:
    store = FileStore(tmp_path / "checkpoints.jsonl")
    seqs = await _append(sessions, 5, gansu["620102"])
    checkpoint = await anchoring.take_checkpoint(sessions, key, store)
    assert checkpoint is not None and checkpoint.seq == seqs[-1]
    head = seqs[-1] + 1  # the checkpoint's own record
    saved = _rows_from(superuser, head - 2)
    assert [r[0] for r in saved] == [head - 2, head - 1, head]
    try:
        superuser.execute(f"ALTER TABLE audit_log DISABLE TRIGGER {TRIGGER}")
        superuser.execute("DELETE FROM audit_log WHERE seq >= %s", (head - 2,))
        verdict = await anchoring.verify(sessions, key.public_key(), None)
        assert verdict.problems == []  # the chain alone cannot tell
        verdict = await anchoring.verify(sessions, key.public_key(), await store.latest())
        assert verdict.problems == [audit.ChainProblem(checkpoint.seq, "truncated")]
        assert verdict.head == head - 3
    finally:
        _put_back(superuser, saved)
    assert (await anchoring.verify(sessions, key.public_key(), checkpoint)).problems == []


async def test_rewriting_a_row_and_every_later_hash_is_reported(
    sessions: async_sessionmaker[AsyncSession],
    gansu: dict[str, int],
    superuser: psycopg.Connection,
    key: Ed25519PrivateKey,
    tmp_path: Path,
) -> None:
    store = FileStore(tmp_path / "checkpoints.jsonl")
    seqs = await _append(sessions, 5, gansu["620102"])
    checkpoint = await anchoring.take_checkpoint(sessions, key, store)
    assert checkpoint is not None
    target = seqs[1]
    saved = _rows_from(superuser, target)
    try:
        superuser.execute(f"ALTER TABLE audit_log DISABLE TRIGGER {TRIGGER}")
        superuser.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = %s", (target,))
        superuser.execute(REHASH.format(start=int(target)))  # a DO block takes no parameters
        verdict = await anchoring.verify(sessions, key.public_key(), None)
        assert verdict.problems == []  # rehashed: the chain agrees with itself
        verdict = await anchoring.verify(sessions, key.public_key(), checkpoint)
        assert verdict.problems == [audit.ChainProblem(checkpoint.seq, "rewritten")]
    finally:
        _put_back(superuser, saved)
    assert (await anchoring.verify(sessions, key.public_key(), checkpoint)).problems == []


async def test_a_forged_or_foreign_checkpoint_is_reported(
    sessions: async_sessionmaker[AsyncSession],
    gansu: dict[str, int],
    key: Ed25519PrivateKey,
    tmp_path: Path,
) -> None:
    """Moving a checkpoint down (to hide a truncation) breaks its signature."""
    checkpoint = await anchoring.take_checkpoint(sessions, key, FileStore(tmp_path / "c.jsonl"))
    assert checkpoint is not None
    moved = replace(checkpoint, seq=checkpoint.seq - 1)
    verdict = await anchoring.verify(sessions, key.public_key(), moved)
    assert verdict.problems == [audit.ChainProblem(moved.seq, "signature")]
    other = Ed25519PrivateKey.generate().public_key()
    verdict = await anchoring.verify(sessions, other, checkpoint)
    assert verdict.problems == [audit.ChainProblem(checkpoint.seq, "signature")]


async def test_checkpoints_in_object_storage_are_archived(
    migrated: Settings,
    sessions: async_sessionmaker[AsyncSession],
    gansu: dict[str, int],
    key: Ed25519PrivateKey,
) -> None:
    storage = build_storage(migrated)
    if hasattr(storage, "ensure_bucket"):
        await storage.ensure_bucket()
    store = ObjectStore(storage, prefix="test-audit/checkpoints")
    await _append(sessions, 1, gansu["620102"])
    first = await anchoring.take_checkpoint(sessions, key, store)
    second = await anchoring.take_checkpoint(sessions, key, store)
    assert first is not None and second is not None and second.seq == first.seq + 1
    assert await store.latest() == second
    stamp = first.at.replace("-", "").replace(":", "")
    archived = await storage.get(f"test-audit/checkpoints/{first.seq:020d}-{stamp}.json")
    assert Checkpoint.from_json(archived.decode()) == first


async def test_checkpoints_to_syslog(
    sessions: async_sessionmaker[AsyncSession],
    gansu: dict[str, int],
    key: Ed25519PrivateKey,
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "log.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as collector:
        collector.bind(path)
        collector.settimeout(5)
        checkpoint = await anchoring.take_checkpoint(sessions, key, SyslogStore(path))
        line = collector.recv(4096).decode()
    assert checkpoint is not None
    assert line.startswith("<86>yiwang-audit-checkpoint: ")  # authpriv.info
    assert Checkpoint.from_json(line.split(": ", 1)[1]) == checkpoint
    assert await SyslogStore(path).latest() is None


def test_the_commands_checkpoint_and_verify(
    migrated: Settings, gansu: dict[str, int], superuser: psycopg.Connection, tmp_path: Path
) -> None:
    settings = replace(
        migrated,
        audit_checkpoint_store="file",
        audit_checkpoint_file=tmp_path / "checkpoints.jsonl",
        audit_signing_key=tmp_path / "key.pem",
    )

    @click.group()
    def cli() -> None:
        pass

    cli.add_command(audit_group)

    def invoke(*args: str) -> tuple[int, dict[str, object]]:
        result = CliRunner().invoke(cli, ["audit", *args], obj=settings, catch_exceptions=False)
        return result.exit_code, json.loads(result.output)

    assert invoke("keygen")[0] == 0
    code, taken = invoke("checkpoint")
    assert code == 0
    checkpoint = taken["checkpoint"]
    assert isinstance(checkpoint, dict)
    code, report = invoke("verify")
    assert (code, report["intact"], report["anchored"]) == (0, True, True)
    seq = int(checkpoint["seq"])
    saved = _rows_from(superuser, seq - 1)
    try:
        superuser.execute(f"ALTER TABLE audit_log DISABLE TRIGGER {TRIGGER}")
        superuser.execute("DELETE FROM audit_log WHERE seq >= %s", (seq - 1,))
        code, report = invoke("verify")
        assert code == 1 and report["intact"] is False
        assert report["problems"] == [{"seq": seq, "problem": "truncated"}]
        code, report = invoke("verify", "--checkpoint", str(tmp_path / "checkpoints.jsonl"))
        assert code == 1 and report["problems"] == [{"seq": seq, "problem": "truncated"}]
    finally:
        _put_back(superuser, saved)
    assert invoke("verify")[0] == 0
