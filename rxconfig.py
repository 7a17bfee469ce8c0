"""Reflex configuration, built from the shared settings (trainpkg_app.settings)."""

import reflex as rx
from reflex.constants import StateManagerMode

from trainpkg_app.settings import get_settings

_settings = get_settings()
if not _settings.database_url:
    _settings.ensure_data_dir()

# One worker keeps its sessions' states in memory. Reflex's default (disk) pickles each state
# and scans its folder after writes: a fifth of a busy worker's time (concurrent_sessions.py).
# After a restart, a tab reopens its draft from the database and its unsaved edits from the
# browser's journal. Several workers share their states through Redis.
STATE_MANAGER = StateManagerMode.REDIS if _settings.redis_url else StateManagerMode.MEMORY

config = rx.Config(
    app_name="trainpkg_app",
    db_url=_settings.resolved_database_url,
    redis_url=_settings.redis_url,
    state_manager_mode=STATE_MANAGER,
    frontend_port=_settings.port,
    backend_port=_settings.port,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    default_color_mode="system",
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
