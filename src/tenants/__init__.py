"""The tenant registry: the tenant tree, subsite resolution, departments,
lifecycle, onboarding from division files and templates, working-day calendars.

Imports only the kernel (`yiwang.platform`).
"""
