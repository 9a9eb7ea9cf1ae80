"""The bundled tenant templates, division files, calendars, role catalogue, base model
and example overlays (data only: installed as `yiwang.tenant_templates`)."""
