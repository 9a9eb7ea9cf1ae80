"""Kernel: settings, database, cache, storage, identity, audit, errors, i18n, logging.

Imports no other part of yiwang."""
