"""Reflex State classes, one module per feature. Thin: resolve the identity, call services, hold view data."""
