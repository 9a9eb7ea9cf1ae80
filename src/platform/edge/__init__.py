"""The HTTP edge: what every request passes before a handler sees it, and what every
response carries on its way out.

- `forwarded`: the client's address, believing `X-Forwarded-For` only from
  configured proxies (the one function the audit trail and rate limits use);
- `json_body`: the strict JSON check (size, depth, duplicate keys, control
  characters) run on the raw body before msgspec decodes it;
- `csrf`: the Origin check and the double-submit token for cookie sessions;
- `media_types`: which Content-Types a route takes (JSON unless it says more);
- `headers`: the security headers and the no-store rule for personal data;
- `checks` (per route, a Litestar middleware) and `shell` (around the whole
  app, so 404s get headers too) apply them; `plugin` wires them into an app;
- `openapi`: the one documented error shape, on every operation.

Part of the kernel: imports only `yiwang.platform`.
"""
