"""One sign-in redirect for both areas: a signed-out browser goes to its area's sign-in
page and comes back; any other caller gets 401; each area keeps its own page."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, get
from litestar.testing import TestClient

from yiwang.platform.errors import NotAuthenticated
from yiwang.runtime.console import access
from yiwang.runtime.portal.my_cases import parts
from yiwang.runtime.web.sign_in import sign_in_first, with_next

HTML = {"accept": "text/html"}


def _app() -> Litestar:
    @get("/r/{code:str}/mine", exception_handlers=parts.SIGN_IN_FIRST)
    async def region_page(code: str) -> None:
        raise NotAuthenticated("auth.required")

    @get("/console/tasks", exception_handlers=access.SIGN_IN_FIRST)
    async def console_page() -> None:
        raise NotAuthenticated("auth.required")

    def nowhere(_request: Request[Any, Any, Any]) -> str | None:
        return None

    @get("/elsewhere", exception_handlers=sign_in_first(nowhere))
    async def no_sign_in_page() -> None:
        raise NotAuthenticated("auth.required")

    return Litestar([region_page, console_page, no_sign_in_page])


def test_each_area_sends_a_browser_to_its_own_sign_in_page_and_back() -> None:
    with TestClient(_app()) as client:
        region = client.get("/r/620102/mine?tab=2", headers=HTML, follow_redirects=False)
        console = client.get("/console/tasks", headers=HTML, follow_redirects=False)
    assert region.status_code == 303
    assert region.headers["location"] == "/r/620102/signin?next=/r/620102/mine%3Ftab%3D2"
    assert console.status_code == 303
    assert console.headers["location"] == "/console/signin?next=/console/tasks"


def test_api_callers_and_areas_without_a_page_get_401() -> None:
    with TestClient(_app()) as client:
        api = client.get(
            "/r/620102/mine", headers={"accept": "application/json"}, follow_redirects=False
        )
        nowhere = client.get("/elsewhere", headers=HTML, follow_redirects=False)
    assert api.status_code == 401
    assert nowhere.status_code == 401


def test_with_next_quotes_the_way_back() -> None:
    assert with_next("/console/signin", None) == "/console/signin"
    assert with_next("/r/1/signin", "/r/1/a?b=c") == "/r/1/signin?next=/r/1/a%3Fb%3Dc"
