"""Unsaved edits, kept in the browser's local storage until the server has saved them: when a
worker or the whole app dies between auto-saves, the reconnecting page brings them back.

They apply only to the draft revision they were made on: a draft saved elsewhere meanwhile
wins, as a conflict would."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from trainpkg_app.core.payloads import FieldName, FieldValue, StepName


class EditJournal(BaseModel):
    package_id: str = ""
    revision: int = 0  # the saved draft revision the edits build on
    forms: dict[StepName, dict[FieldName, FieldValue]] = {}  # from the browser: bounded

    @classmethod
    def parse(cls, text: str) -> EditJournal:
        """The journal in ``text``; an empty one for nothing or anything unreadable."""
        try:
            return cls.model_validate_json(text) if text else cls()
        except ValidationError:
            return cls()

    @property
    def key(self) -> tuple[str, int]:
        return self.package_id, self.revision

    def dump(self) -> str:
        return self.model_dump_json() if self.forms else ""

    def record(self, package_id: str, revision: int, step: str, fields: dict[str, str]):
        """This journal with the edit added (a fresh one for another draft or revision)."""
        forms = dict(self.forms) if self.key == (package_id, revision) else {}
        forms[step] = forms.get(step, {}) | fields
        return EditJournal(package_id=package_id, revision=revision, forms=forms)

    def rebased(self, revision: int) -> EditJournal:
        """After a save that did not include the latest edits: they now build on ``revision``."""
        return self.model_copy(update={"revision": revision})

    def applies_to(self, package_id: str, revision: int) -> bool:
        return bool(self.forms) and self.key == (package_id, revision)

    def apply(self, forms: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        """The forms with the journal's edits on top (unknown steps and fields are ignored)."""
        return {
            step: form | {k: v for k, v in self.forms.get(step, {}).items() if k in form}
            for step, form in forms.items()
        }
