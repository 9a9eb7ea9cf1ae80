from __future__ import annotations

from tests.integration.runtime.conftest import Runtime, special_fund


async def test_smoke(runtime: Runtime, tag: str) -> None:
    async with runtime.records("620000") as records:
        created = await records.create(
            "special_fund", special_fund(f"d{tag}", 2031), idempotency_key=tag
        )
    async with runtime.records("620000") as records:
        view = await records.get("special_fund", created.id)
        print(view.as_dict())
        hist = await records.history("special_fund", created.id)
        print([h.as_dict() for h in hist])
    async with runtime.lists("620000") as lists:
        page = await lists.page(
            "special_fund",
            {"filter.competent_department": [f"d{tag}"]},
            viewer=__import__("yiwang.runtime.records.service", fromlist=["PLATFORM"]).PLATFORM,
        )
        print(page.as_dict())
    assert view.version == 1
