"""Meta-schemas, base model, regional overlays, versions and publishing, code lists."""
