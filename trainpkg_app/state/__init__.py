"""Reflex states: orchestrate events, call the core, hold UI data."""
