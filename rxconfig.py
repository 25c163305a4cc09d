"""Reflex configuration. Everything a self-hoster changes comes from the environment (README "Configuration")."""

import os

import reflex as rx

from client_profile.settings import get_settings

_settings = get_settings()
_redis = _settings.redis_url

config = rx.Config(
    app_name="client_profile",
    db_url=_settings.database_url,
    redis_url=_redis or None,
    # One worker: the in-memory manager (the disk manager rescans every stored state file per write and
    # degrades as sessions pile up: docs/decisions.md "State manager"). Several workers: Redis.
    state_manager_mode=os.environ.get("REFLEX_STATE_MANAGER_MODE") or ("redis" if _redis else "memory"),
    # The login lives in the cookie; the per-tab state is only a cache of the database. Keep it as long as
    # an idle session may live, capped at a day.
    redis_token_expiration=min(_settings.session_idle_minutes * 60, 24 * 3600),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    cors_allowed_origins=[_settings.base_url],
    trusted_proxy_hops=_settings.trusted_proxy_hops,
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", gray_color="slate", radius="large")),
    ],
    disable_plugins=[rx.plugins.sitemap.SitemapPlugin],
)
