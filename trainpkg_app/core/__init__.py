"""The pure core: rules without Reflex or a database."""
