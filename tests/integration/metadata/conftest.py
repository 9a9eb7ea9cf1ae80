"""Metadata integration fixtures: the templates installed once, each test restoring state.

Publishing changes which version is current for a tenant. `restore` snapshots
the metadata tables before a test and puts them back afterwards through the
admin connection (versions are immutable to the application's role), so the
shared database is left as found; audit records are append-only and stay.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.cache import Cache
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.policy.catalogue import load_catalogue
from yiwang.tenants.tree import TenantTree

ROLES = load_catalogue(Settings().templates_root)


@asynccontextmanager
async def metadata_unit(
    sessions: async_sessionmaker[AsyncSession], tree: TenantTree, models: ModelCache, code: str
) -> AsyncIterator[MetadataService]:
    """A `MetadataService` acting as `code` in a unit of work that commits at the end."""
    scope = TenantScope.single(tree.node(code).id)
    async with unit_of_work(sessions, actor="op", scope=scope) as uow:
        yield MetadataService(uow, tree, models, ROLES)


@pytest.fixture(scope="session")
def admin_dsn() -> str:
    """The superuser, on the database the settings name (not always `yiwang`)."""
    dsn = os.environ.get("YIWANG_PG_ADMIN_URL")
    if not dsn:
        pytest.fail("YIWANG_PG_ADMIN_URL is not set: run the suite through `make test`")
    database = make_url(Settings.from_env().database_url).database or "yiwang"
    return dsn.rsplit("/", 1)[0] + "/" + database


@pytest.fixture
def restore(admin_sql: psycopg.Connection, installed: TenantTree) -> Iterator[None]:
    versions = admin_sql.execute("SELECT tenant_id, id, status FROM metadata_versions").fetchall()
    drafts = admin_sql.execute("SELECT tenant_id, id FROM metadata_drafts").fetchall()
    effective = admin_sql.execute("SELECT tenant_id, id FROM metadata_effective").fetchall()
    yield
    admin_sql.execute(
        "DELETE FROM metadata_effective WHERE (tenant_id, id) NOT IN "
        "(SELECT * FROM unnest(%s::bigint[], %s::bigint[]))",
        ([t for t, _ in effective], [i for _, i in effective]),
    )
    keep = {(t, i): s for t, i, s in versions}
    rows = admin_sql.execute("SELECT tenant_id, id FROM metadata_versions").fetchall()
    admin_sql.execute(
        "DELETE FROM metadata_drafts WHERE (tenant_id, id) NOT IN "
        "(SELECT * FROM unnest(%s::bigint[], %s::bigint[]))",
        ([t for t, _ in drafts], [i for _, i in drafts]),
    )
    created = [(t, i) for t, i in rows if (t, i) not in keep]
    for tenant_id, version_id in created:
        admin_sql.execute(
            "UPDATE metadata_drafts SET based_on_id = NULL WHERE tenant_id = %s AND based_on_id = %s",
            (tenant_id, version_id),
        )
    # newest first: a created version may be the predecessor of another created one
    for tenant_id, version_id in sorted(created, key=lambda r: -r[1]):
        admin_sql.execute(
            "DELETE FROM metadata_versions WHERE tenant_id = %s AND id = %s",
            (tenant_id, version_id),
        )
    # statuses back, `current` last so the unique index never sees two
    for (tenant_id, version_id), status in sorted(keep.items(), key=lambda r: r[1] == "current"):
        admin_sql.execute(
            "UPDATE metadata_versions SET status = %s WHERE tenant_id = %s AND id = %s",
            (status, tenant_id, version_id),
        )
    admin_sql.execute("UPDATE metadata_state SET generation = nextval('metadata_generation_seq')")


@pytest.fixture
async def models(migrated: Settings) -> AsyncIterator[ModelCache]:
    cache = Cache(migrated.redis_url)
    try:
        yield ModelCache(cache, poll_seconds=0.0)
    finally:
        await cache.close()
