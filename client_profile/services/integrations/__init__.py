"""Integrations with other systems: API keys of the REST API."""
