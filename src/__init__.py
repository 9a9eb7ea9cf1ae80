"""Yiwang (一网): one deployment serving a province's whole government-service network."""

__version__ = "0.1.0"
