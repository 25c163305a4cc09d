"""Client Profile: the self-service dashboard for clients of small activity providers."""
