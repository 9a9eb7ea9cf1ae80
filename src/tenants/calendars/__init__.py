"""Working-day calendars: a province's holidays and adjusted workdays (调休),
the working-day arithmetic statutory time limits are counted in, and the
service that imports and reads them. Imports the kernel and the tenant registry.
"""
