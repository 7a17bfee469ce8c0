"""The Reflex app: registers the pages. Kept tiny on purpose."""

import reflex as rx
from reflex.event import EventSpec

# Imported for its side effect: the tables join SQLModel.metadata, which Reflex's
# start-up check compares with the migrated database.
from trainpkg_app.db import models  # noqa: F401
from trainpkg_app.deploy.monitor import monitor_runs
from trainpkg_app.pages.login import login_page
from trainpkg_app.pages.training import ON_LOAD, TITLE, training_page
from trainpkg_app.security_headers import with_security_headers
from trainpkg_app.ship_route import serve_downloads
from trainpkg_app.state.auth import LOGIN_ROUTE, AuthState
from trainpkg_app.state.events import EventRefused
from trainpkg_app.state.owner import NotSignedIn
from trainpkg_app.upload_guard import guard_uploads
from trainpkg_app.worker_respawn import enable_worker_respawn

enable_worker_respawn()


def handle_backend_error(exception: Exception) -> EventSpec:
    """A session that ended mid-way sends the browser to sign in; a refused event says why;
    anything else: a toast."""
    if isinstance(exception, NotSignedIn):
        return rx.redirect(LOGIN_ROUTE, replace=True)
    if isinstance(exception, EventRefused):
        return rx.toast.error(str(exception), id="event-refused", fallback_to_alert=True)
    return rx.app.default_backend_exception_handler(exception)


app = rx.App(
    stylesheets=["/styles.css"],
    api_transformer=[guard_uploads(lambda: app), serve_downloads, with_security_headers],
    backend_exception_handler=handle_backend_error,
)
app.register_lifespan_task(monitor_runs)
app.add_page(
    training_page, route="/training", title=f"{TITLE} · Training Packages", on_load=ON_LOAD
)
app.add_page(
    login_page, route=LOGIN_ROUTE, title="Sign in · Training Packages", on_load=AuthState.open_login
)
app.add_page(rx.fragment(), route="/", on_load=rx.redirect("/training", replace=True))
