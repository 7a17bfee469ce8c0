"""The Reflex app: registers the pages. Kept tiny on purpose."""

import reflex as rx

# Imported for its side effect: the tables join SQLModel.metadata, which Reflex's
# start-up check compares with the migrated database.
from trainpkg_app.db import models  # noqa: F401
from trainpkg_app.deploy.monitor import monitor_runs
from trainpkg_app.pages.training import ON_LOAD, TITLE, training_page

app = rx.App(stylesheets=["/styles.css"])
app.register_lifespan_task(monitor_runs)
app.add_page(
    training_page, route="/training", title=f"{TITLE} · Training Packages", on_load=ON_LOAD
)
app.add_page(rx.fragment(), route="/", on_load=rx.redirect("/training", replace=True))
