"""The citizen subsites: pages and their Jinja templates."""
