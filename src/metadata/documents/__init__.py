"""What a metadata document is: its shapes, field types, conditions, meta-schemas,
the checks a meta-schema cannot express, parsing from YAML or JSON, JSON
pointers and the problems collected while checking.

Pure: no session, no cache. Imports only the kernel (`yiwang.platform`).
"""
