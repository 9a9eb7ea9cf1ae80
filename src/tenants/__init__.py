"""Tenant tree, division codes, onboarding, subsites, departments, working-day calendars."""
