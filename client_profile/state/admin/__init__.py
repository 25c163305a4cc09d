"""The provider console's states (pages/admin). They share the services with the client profile, never states."""
