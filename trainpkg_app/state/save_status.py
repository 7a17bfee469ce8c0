"""What the save indicator shows. Edits mark the draft dirty here."""

import reflex as rx

SAVED, SAVING, UNSAVED, RETRYING, CONFLICT = "saved", "saving", "unsaved", "retrying", "conflict"


class SaveStatusState(rx.State):
    status: str = SAVED
    saved_at: str = ""  # ISO time of the last successful save
    detail: str = ""

    def _mark_unsaved(self) -> None:
        if self.status not in (CONFLICT, RETRYING):
            self.status = UNSAVED
