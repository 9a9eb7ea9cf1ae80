"""One contract, run against both object-storage backends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from yiwang.platform.errors import InvalidInput, NotFound, ServiceUnavailable
from yiwang.platform.settings import Settings
from yiwang.platform.storage import LocalStorage, ObjectStorage, S3Storage


@pytest.fixture(params=["local", "s3"])
async def storage(
    request: pytest.FixtureRequest, tmp_path: Path, migrated: Settings
) -> AsyncIterator[ObjectStorage]:
    if request.param == "local":
        yield LocalStorage(tmp_path / "objects")
        return
    if not migrated.s3_endpoint_url:
        pytest.fail("S3_ENDPOINT_URL is not set: run the suite through `make test`")
    s3 = S3Storage(
        f"contract-{uuid.uuid4().hex[:8]}",
        endpoint_url=migrated.s3_endpoint_url,
        access_key_id=migrated.s3_access_key_id,
        secret_access_key=migrated.s3_secret_access_key,
    )
    await s3.ensure_bucket()
    yield s3


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
