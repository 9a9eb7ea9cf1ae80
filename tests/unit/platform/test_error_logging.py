"""An unexpected error is one structured log line with the request id; the traceback is a
separate DEBUG record and never reaches the client (issue 8, finding 9)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from yiwang.platform.edge.plugin import EdgePlugin, install_edge
from yiwang.platform.error_handlers import EXCEPTION_HANDLERS
from yiwang.platform.logging import configure_logging
from yiwang.platform.settings import Settings


@get("/boom", opt={"public": True})
async def boom() -> None:
    raise RuntimeError("secret detail of the failure")


def _app() -> Litestar:
    settings = Settings()
    app = Litestar([boom], plugins=[EdgePlugin(settings)], exception_handlers=EXCEPTION_HANDLERS)
    install_edge(app, settings)
    return app


@pytest.fixture
def restore_logging() -> Iterator[None]:
    yield
    configure_logging(json=False, level="WARNING")


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_one_line_with_the_request_id(
    capsys: pytest.CaptureFixture[str], restore_logging: None, level: str
) -> None:
    configure_logging(json=True, level=level)
    with TestClient(app=_app()) as client:
        resp = client.get("/boom")
    assert resp.status_code == 500
    body = resp.json()["error"]
    assert body["code"] == "internal"
    assert body["request_id"] == resp.headers["x-request-id"]
    assert "Traceback" not in resp.text and "secret detail" not in resp.text
    lines = [line for line in capsys.readouterr().err.splitlines() if "unhandled_error" in line]
    records = [json.loads(line) for line in lines]
    error = [r for r in records if r["event"] == "unhandled_error"]
    assert len(error) == 1
    assert error[0]["request_id"] == body["request_id"]
    assert error[0]["error"] == "RuntimeError"
    assert error[0]["detail"] == "secret detail of the failure"
    source, first = inspect.getsourcelines(boom.fn)
    raise_line = first + next(i for i, text in enumerate(source) if "raise" in text)
    assert error[0]["at"] == f"{__file__}:{raise_line}"
    assert "exception" not in error[0]
    traces = [r for r in records if r["event"] == "unhandled_error_traceback"]
    if level == "DEBUG":
        assert len(traces) == 1 and "Traceback" in traces[0]["traceback"]
        assert traces[0]["request_id"] == body["request_id"]
    else:
        assert traces == []
