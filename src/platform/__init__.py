"""Kernel: settings, database, tenant context and row-level-security DDL, cache,
object storage, audit trail, the error machinery, i18n and logging.

Imports no other part of yiwang.
"""
