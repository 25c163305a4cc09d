"""The domain: plain functions over a DB session. Every rule and every write lives here; nothing imports reflex."""

# Registers the webhook queue (an after_flush listener on every Session) in every process that uses a service:
# a change's deliveries are queued in its own transaction, whoever made it (docs/api.md "Webhooks").
from client_profile.services.integrations import webhooks as _webhooks  # noqa: E402,F401
