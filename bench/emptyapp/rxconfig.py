"""The floor for bench/: a Reflex app whose only event handler does (almost) nothing.

Served with `reflex run --env prod` and REFLEX_STATE_MANAGER_MODE=memory by bench/run.py, on the same
machine and in the same run as Client Profile, so "CPU per event" can be compared against it.
"""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

config = rx.Config(
    app_name="emptyapp",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[SitemapPlugin],
)
