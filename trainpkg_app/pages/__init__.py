"""Routes: thin functions that compose components."""
