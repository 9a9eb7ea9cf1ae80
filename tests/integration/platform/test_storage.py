"""One contract, run against both object-storage backends."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from yiwang.platform.errors import InvalidInput, NotFound, ServiceUnavailable
from yiwang.platform.settings import Settings
from yiwang.platform.storage import LocalStorage, ObjectStorage, ObjectTooLarge, S3Storage


async def _bucket(settings: Settings, prefix: str) -> S3Storage:
    """A fresh bucket on the test S3 server."""
    s3 = S3Storage(
        f"{prefix}-{uuid.uuid4().hex[:8]}",
        endpoint_url=settings.s3_endpoint_url,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
    )
    await s3.ensure_bucket()
    return s3


@pytest.fixture(params=["local", "s3"])
async def storage(
    request: pytest.FixtureRequest, tmp_path: Path, migrated: Settings
) -> AsyncIterator[ObjectStorage]:
    if request.param == "local":
        yield LocalStorage(tmp_path / "objects")
        return
    if not migrated.s3_endpoint_url:
        pytest.fail("S3_ENDPOINT_URL is not set: run the suite through `make test`")
    yield await _bucket(migrated, "contract")


async def test_put_get_delete_round_trip(storage: ObjectStorage) -> None:
    data = "申请材料：营业执照副本".encode() * 100
    stored = await storage.put(
        "t/620102/cases/1/营业执照.pdf".encode().hex() + ".bin", data, "application/pdf"
    )
    assert stored.size == len(data) and len(stored.sha256) == 64
    assert await storage.exists(stored.key)
    assert await storage.get(stored.key) == data
    await storage.delete(stored.key)
    assert not await storage.exists(stored.key)


async def test_missing_object_is_not_found(storage: ObjectStorage) -> None:
    with pytest.raises(NotFound):
        await storage.get("t/620102/missing.bin")


async def test_overwrite_replaces_whole_object(storage: ObjectStorage) -> None:
    await storage.put("t/1/a.txt", b"first version, longer")
    await storage.put("t/1/a.txt", b"second")
    assert await storage.get("t/1/a.txt") == b"second"


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/../b", "", "空格 key"])
async def test_hostile_keys_are_refused(storage: ObjectStorage, key: str) -> None:
    with pytest.raises(InvalidInput):
        await storage.put(key, b"x")


async def test_ping(storage: ObjectStorage) -> None:
    assert await storage.ping()


async def test_s3_down_fails_clearly_and_leaves_nothing() -> None:
    s3 = S3Storage(
        "nowhere", endpoint_url="http://127.0.0.1:1", access_key_id="x", secret_access_key="y"
    )
    with pytest.raises(ServiceUnavailable) as info:
        await s3.put("t/1/a.txt", b"data")
    assert "文件存储服务暂时不可用" in info.value.message()
    assert not await s3.ping()


async def test_local_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    root = tmp_path / "objects"
    storage = LocalStorage(root)
    (root / "t").mkdir(parents=True)
    (root / "t" / "blocker").write_text("a file where a folder should be")
    with pytest.raises(ServiceUnavailable):
        await storage.put("t/blocker/inner.txt", b"data")
    assert sorted(p.name for p in root.rglob("*")) == ["blocker", "t"]


async def test_head_stream_and_copy(storage: ObjectStorage) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB: several chunks
    await storage.put("t/1/incoming/abc", data, "application/pdf")
    head = await storage.head("t/1/incoming/abc")
    assert head.size == len(data)
    assert head.content_type == ("application/pdf" if isinstance(storage, S3Storage) else None)
    await storage.copy("t/1/incoming/abc", "t/1/attachments/abc")
    chunks = [c async for c in storage.stream("t/1/attachments/abc", chunk_size=100_000)]
    assert b"".join(chunks) == data and len(chunks) == 11
    with pytest.raises(NotFound):
        await storage.head("t/1/nothing")
    with pytest.raises(NotFound):
        await storage.copy("t/1/nothing", "t/1/elsewhere")
    with pytest.raises(NotFound):
        [c async for c in storage.stream("t/1/nothing")]


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_put_stream_stores_whole_or_nothing(storage: ObjectStorage) -> None:
    stored = await storage.put_stream("t/1/a.bin", _chunks(b"abc", b"def"), "image/png", max_size=6)
    assert (stored.size, stored.sha256) == (6, hashlib.sha256(b"abcdef").hexdigest())
    assert await storage.get("t/1/a.bin") == b"abcdef"
    with pytest.raises(ObjectTooLarge) as info:
        await storage.put_stream("t/1/b.bin", _chunks(b"abc", b"defg"), max_size=6)
    assert info.value.code == "storage.object_too_large"
    assert not await storage.exists("t/1/b.bin")


async def test_signed_s3_forms_and_links(migrated: Settings) -> None:
    storage = await _bucket(migrated, "signed")
    form = storage.presigned_post(
        "t/1/incoming/x", content_type="image/png", size=3, expires_seconds=60
    )
    async with httpx.AsyncClient() as browser:
        sent = await browser.post(
            form.url, data=form.fields, files={"file": ("x", b"abc", "image/png")}
        )
        assert sent.status_code == 204
        link = storage.presigned_get(
            "t/1/incoming/x",
            disposition='attachment; filename="x.png"',
            content_type="image/png",
            expires_seconds=60,
        )
        fetched = await browser.get(link)
    assert fetched.content == b"abc"
    assert fetched.headers["content-disposition"] == 'attachment; filename="x.png"'


async def test_a_listing_names_every_object_under_a_folder_with_its_size_and_time(
    storage: ObjectStorage, tmp_path: Path
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)  # the store's clock, to the second
    await storage.put("t/1/exports/a.csv", b"abc")
    await storage.put("t/1/exports/deeper/b.xlsx", b"abcdef")
    await storage.put("t/1/exportsfolder-but-not-it.csv", b"x")
    await storage.put("t/1/attachments/c", b"x")
    await storage.put("t/2/exports/d.csv", b"x")
    listed = sorted([o async for o in storage.listing("t/1/exports/")], key=lambda o: o.key)
    assert [(o.key, o.size) for o in listed] == [
        ("t/1/exports/a.csv", 3),
        ("t/1/exports/deeper/b.xlsx", 6),
    ]
    after = datetime.now(UTC) + timedelta(seconds=5)
    assert all(
        before <= o.modified <= after and o.modified.utcoffset() == timedelta(0) for o in listed
    )
    assert [o async for o in storage.listing("t/3/exports/")] == []
    for bad in ("t/1/exports", "../t/", "t//", ""):
        with pytest.raises(InvalidInput):
            [o async for o in storage.listing(bad)]


async def test_an_s3_listing_reads_page_after_page(migrated: Settings) -> None:
    """More keys than one ListObjectsV2 page holds (1,000): every one, once."""
    s3 = await _bucket(migrated, "contract")
    keys = [f"t/1/exports/{n:04d}.csv" for n in range(1005)]
    await asyncio.gather(*(s3.put(k, b"x") for k in keys))
    assert sorted([o.key async for o in s3.listing("t/1/exports/")]) == keys


async def test_a_local_listing_leaves_out_writes_in_progress(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "objects")
    await storage.put("t/1/exports/a.csv", b"abc")
    (tmp_path / "objects" / "t" / "1" / "exports" / ".upload-x1y2").write_bytes(b"half")
    assert [o.key async for o in storage.listing("t/1/exports/")] == ["t/1/exports/a.csv"]
