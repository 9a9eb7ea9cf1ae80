"""Regional overlays: how a prefecture or county extends the model it inherits,
one module per part (fields, code lists, routes, rules, views), and `apply`,
which runs them. Extend, never weaken.

Pure. Imports `documents` and the kernel.
"""
