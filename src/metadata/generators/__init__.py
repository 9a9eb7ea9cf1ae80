"""What an effective model generates: the record schema (2020-12) and its
draft-07 twin, UI schemas for rjsf and JSON Forms, OpenAPI components, the
rules JSON Schema cannot state, and record validation.

Pure. Imports `documents`, `resolution` and the kernel.
"""
