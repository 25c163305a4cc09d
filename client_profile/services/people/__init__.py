"""Who someone is and what they may see or do: login and sessions, the principal, every access scope, the
client's account, shared access, data versions for live pages."""
