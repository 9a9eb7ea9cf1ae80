"""Onboarding a division tree from a template: the GB/T 2260 division file,
the tenant templates of `tenant_templates/`, and the service that writes the
tree in one transaction. Imports the kernel and the tenant registry.
"""
