"""From layers to a tenant's effective model: the resolution pipeline, its
in-process memo, the impact preview of a new version and the diff of two.

Pure. Imports `documents`, `overlays` and the kernel.
"""
