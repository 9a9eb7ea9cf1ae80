"""The failures of seeding; codes live in `messages`."""

from __future__ import annotations

from yiwang.platform.errors import InvalidInput, NotFound


class NothingToSeed(NotFound):
    """No chosen tenant has a published model to generate records from."""


class SeedCountInvalid(InvalidInput):
    """The number of records asked for is not a positive integer."""
