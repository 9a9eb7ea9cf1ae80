"""Response caching's key: which tenant and which person a cached response belongs to.

Litestar's default key is only the method, path and query, so a cached answer
for one person or region would be served to the next caller of the same URL.
The key built here is the app's `cache_key_builder` for every handler that
sets `cache=`. Imports `yiwang.policy` (the guard's decision, the session)
and `yiwang.tenants` (the subsite a host resolved to).
"""
