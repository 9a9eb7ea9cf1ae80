"""Static files the platform serves, and the API reference page built from them.

Two folders are served, nothing else of this package: `vendor/` (third-party
libraries, each in `<name>-<version>/` with its licence, listed in
`vendor/README.md`; no page loads anything from a CDN) and `yiwang/` (our own
scripts and styles). `files.static_routers` mounts them with long cache
lifetimes; `api_reference.ApiReference` renders `/schema` with the vendored
Swagger UI and no inline script, so the page works offline and under the CSP.

May import `yiwang.platform` only.
"""
