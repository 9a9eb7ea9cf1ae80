"""Metadata in storage: drafts, published versions and effective models in
PostgreSQL, the cross-worker model cache, publishing and rollback, and the
documents bundled in `tenant_templates/`.

Imports the pure rooms of metadata, `yiwang.tenants` and the kernel.
"""
