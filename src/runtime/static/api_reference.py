"""`/schema`: the API reference, rendered by the vendored Swagger UI.

The page is three external files and markup, no inline script or style: the
CSP (`script-src 'self'`) holds, and a government network that reaches no
CDN still shows it. The start-up script reads the description's URL from a
`data-` attribute and turns off everything that would call out (the online
validator).
"""

from __future__ import annotations

from html import escape
from typing import Any, Final

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

from yiwang.runtime.static.files import VENDOR_URL, asset_url

SWAGGER_UI: Final = f"{VENDOR_URL}/swagger-ui-5.35.0"


class ApiReference(OpenAPIRenderPlugin):
    def __init__(self, *, path: str = "/swagger") -> None:
        super().__init__(path=path, favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(str(openapi_schema.get("info", {}).get("title", "API")))
        spec_url = escape(self.get_openapi_json_route(request))
        return f"""<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css">
  <link rel="stylesheet" href="{asset_url("api-reference.css")}">
</head>
<body>
  <div id="api-reference" data-spec-url="{spec_url}"></div>
  <script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
  <script src="{asset_url("api-reference.js")}"></script>
</body>
</html>
""".encode()
