"""The domain: plain functions over a DB session. Every rule and every write lives here; nothing imports reflex."""
