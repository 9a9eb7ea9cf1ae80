"""Wiring the edge into an app: the per-route checks at construction, the shell and the
error documentation once the app exists."""

from __future__ import annotations

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from yiwang.platform.edge.checks import BeforeHandler, RequestChecks
from yiwang.platform.edge.openapi import document_errors
from yiwang.platform.edge.shell import EdgeShell
from yiwang.platform.settings import Settings


class EdgePlugin(InitPluginProtocol):
    """Makes the edge's checks the app's `before_request` hook, followed by `then`."""

    def __init__(self, settings: Settings, then: BeforeHandler | None = None) -> None:
        self.settings = settings
        self.then = then

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        if app_config.before_request is not None:
            raise ValueError("the edge's checks are the app's one before_request hook")
        app_config.before_request = RequestChecks(self.settings, self.then)
        return app_config


def install_edge(app: Litestar, settings: Settings) -> None:
    """Put the shell around everything and document the error shape on every operation."""
    document_errors(app)
    app.asgi_handler = EdgeShell(app.asgi_handler, settings)
