"""What the save indicator shows. Edits mark the draft dirty here."""

import reflex as rx

from trainpkg_app.core.autosave import CONFLICT, RETRYING, SAVED, SAVING, UNSAVED

__all__ = ["CONFLICT", "RETRYING", "SAVED", "SAVING", "UNSAVED", "SaveStatusState"]


class SaveStatusState(rx.State):
    status: str = SAVED
    saved_at: str = ""  # ISO time of the last successful save
    detail: str = ""

    def _mark_unsaved(self) -> None:
        if self.status not in (CONFLICT, RETRYING):
            self.status = UNSAVED
