"""Wiring the edge into an app: the per-route checks at construction, the shell and the
error documentation once the app exists."""

from __future__ import annotations

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from yiwang.platform.edge.checks import RequestChecks
from yiwang.platform.edge.openapi import document_errors
from yiwang.platform.edge.shell import EdgeShell
from yiwang.platform.settings import Settings


class EdgePlugin(InitPluginProtocol):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.middleware = [RequestChecks(self.settings), *app_config.middleware]
        return app_config


def install_edge(app: Litestar, settings: Settings) -> None:
    """Put the shell around everything and document the error shape on every operation."""
    document_errors(app)
    app.asgi_handler = EdgeShell(app.asgi_handler, settings)
