"""Core building blocks: units and plain constants."""
