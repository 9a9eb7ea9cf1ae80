"""Casbin model and enforcer, policy storage and sync, guards, role catalogue, RLS."""
