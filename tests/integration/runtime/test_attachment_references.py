"""What the records service calls: a record's attachment value must name a verified
attachment of the same tenant, uploaded for that field (by that person, for a citizen);
the server's measurements replace what the client sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.integration.runtime.conftest import (
    CHENGGUAN,
    QILIHE,
    Citizen,
    running_app,
    side_platform,
)
from tests.integration.runtime.uploads import begin, upload
from tests.unit.runtime.attachments import samples
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.attachments.errors import ReferenceInvalid
from yiwang.runtime.attachments.references import References
from yiwang.runtime.attachments.values import AttachmentValue

pytestmark = pytest.mark.usefixtures("installed")

FIELD = {"item_type": "food_business_license", "field": "layout_plan"}


async def test_a_reference_must_name_a_verified_upload_of_the_tenant_and_field(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    tenant_ids: dict[str, int],
    attachment_rows: Callable[[], int],
) -> None:
    owner, other = await citizens(), await citizens()
    body = samples.png()
    async with running_app(migrated) as app:
        done = await upload(app.client, owner.headers, body)
        read = await app.client.get(
            f"/api/v1/t/{CHENGGUAN}/attachments/{done['attachment']['id']}", headers=owner.headers
        )
        unfinished = await begin(
            app.client, owner.headers, name="b.png", size=10, content_type="image/png"
        )
    value: dict[str, Any] = read.json()["value"]
    here, there = tenant_ids[CHENGGUAN], tenant_ids[QILIHE]
    waiting_key = f"t/{here}/attachments/" + unfinished.json()["attachment"]["id"].replace("-", "")

    async with side_platform(migrated, queue="unused", jobs="inline") as platform:

        async def refer(tenant: int, sent: dict[str, Any], **kw: Any) -> AttachmentValue:
            async with unit_of_work(
                platform.sessions, actor="records", scope=TenantScope.single(tenant)
            ) as uow:
                where = {**FIELD, "owner_account_id": owner.account_id, **kw}
                return await References(uow).referenced(tenant, sent, **where)

        async def refused(tenant: int, sent: dict[str, Any], **kw: Any) -> str:
            with pytest.raises(ReferenceInvalid) as info:
                await refer(tenant, sent, **kw)
            return info.value.message()

        lying = {**value, "size": 1, "sha256": "0" * 64, "name": "别的名字.png"}
        assert (await refer(here, lying)).as_dict() == value
        assert (await refer(here, value, owner_account_id=None)).as_dict() == value
        assert "本人" in await refused(here, value, owner_account_id=other.account_id)
        assert "其他字段" in await refused(here, value, field="process_flow")
        assert "其他字段" in await refused(here, value, item_type="public_place_hygiene")
        assert "找不到" in await refused(there, {**value, "key": value["key"]})
        assert "找不到" in await refused(here, {"key": f"t/{there}/attachments/{'0' * 32}"})
        assert "找不到" in await refused(here, {"name": "no key at all"})
        assert "尚未通过检查" in await refused(here, {"key": waiting_key})
