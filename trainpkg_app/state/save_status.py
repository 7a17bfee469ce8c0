"""What the save indicator shows, part of the workspace state (state/workspace.py)."""

import reflex as rx

from trainpkg_app.core.autosave import SAVED


class SaveStatusMixin(rx.State, mixin=True):
    status: str = SAVED  # core/autosave.py: saved, saving, unsaved, retrying or conflict
    saved_at: str = ""  # ISO time of the last successful save
    detail: str = ""
