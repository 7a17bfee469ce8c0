"""Persistence: the schema (models.py), engines and sessions."""
