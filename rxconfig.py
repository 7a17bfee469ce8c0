"""Reflex configuration, built from the shared settings (trainpkg_app.settings)."""

import reflex as rx

from trainpkg_app.settings import get_settings

_settings = get_settings()
if not _settings.database_url:
    _settings.ensure_data_dir()

config = rx.Config(
    app_name="trainpkg_app",
    db_url=_settings.resolved_database_url,
    redis_url=_settings.redis_url,
    frontend_port=_settings.port,
    backend_port=_settings.port,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    default_color_mode="system",
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
