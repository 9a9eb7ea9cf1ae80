"""axe-core on a page the browser tests visit, and the screenshot kept as an artefact.

`axe-playwright-python` ships axe-core and injects it through the DevTools
protocol, so the page's CSP stays as the platform sends it. A serious or
critical violation fails the test, with every node and rule named. Every
stylesheet and script the page names must load: an unstyled page passes axe
and still fails its users.

A page named with a `state` (what it shows, apart from the rows of data in it) is run
through axe once per module and viewport width: the same state seen again, a person's
inbox with other cases in it, is still screenshotted and its assets still fetched, but
axe (seconds a page on a loaded machine) does not run again on the same markup."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

#: a directory `.gitignore` covers: kept after the run, never committed
SCREENSHOTS: Final = Path(__file__).resolve().parent / "screenshots"
FAILING: Final = frozenset({"serious", "critical"})
_AXE = Axe()
_ASSETS: Final = """() => [...document.querySelectorAll('link[rel=stylesheet][href], script[src]')]
    .map(e => e.href || e.src)"""


#: the (state, viewport width) pairs axe passed in this module
_CHECKED: set[tuple[str, int]] = set()


def forget_checked_states() -> None:
    """A new module checks its states afresh (the browser conftest calls this per module)."""
    _CHECKED.clear()


async def check_page(page: Page, name: str, state: str | None = None) -> list[dict[str, Any]]:
    """Screenshot the page as `name`, run axe, fail on serious or critical violations;
    returns the milder ones (moderate, minor) for a test that wants to look. With a
    `state` axe already passed at this width in this module, axe is not run (none returned)."""
    for url in await page.evaluate(_ASSETS):
        answer = await page.request.get(url)
        assert answer.status == 200, (page.url, url, answer.status)
    SCREENSHOTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    await page.screenshot(path=str(SCREENSHOTS / f"{safe}.jpg"), full_page=True, quality=80)
    key = (state or "", page.viewport_size["width"] if page.viewport_size else 0)
    if state is not None and key in _CHECKED:
        return []
    results = await _AXE.run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    failing = [v for v in violations if v.get("impact") in FAILING]
    assert not failing, [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in failing
    ]
    if state is not None:
        _CHECKED.add(key)
    return [v for v in violations if v.get("impact") not in FAILING]
