"""What the data layer refuses, in words a user can act on."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from trainpkg_app.core.autosave import CONFLICT, RETRYING


class NotFound(LookupError):
    """Absent, or owned by someone else: the two look the same from outside."""


class NameTaken(ValueError):
    pass


class DraftConflict(RuntimeError):
    """Someone saved the draft after this session loaded it."""

    def __init__(self, current_revision: int):
        super().__init__(
            f"The draft was saved elsewhere (revision {current_revision}) after you opened it."
        )
        self.current_revision = current_revision


class VersionImmutable(RuntimeError):
    pass


def unavailable(error: Exception) -> str:
    """The database failed to answer: the clause a message is built on."""
    return f"the database did not answer ({type(error).__name__})"


@dataclass(frozen=True)
class SaveFailure:
    """What a failed draft save shows: the save indicator's status and detail, and whether a
    later save may succeed (the auto-save then retries)."""

    status: str  # CONFLICT or RETRYING
    detail: str
    retry: bool

    def refusal(self) -> str:
        """Why an action that needs the draft saved first (publish, leave) cannot go on."""
        if self.retry:
            return "The draft could not be saved: the database did not answer. Try again shortly."
        return self.detail


def save_failure(error: Exception) -> SaveFailure:
    """Map what the data layer raised on a draft save to what the user sees."""
    if isinstance(error, DraftConflict):
        return SaveFailure(CONFLICT, str(error), retry=False)
    if isinstance(error, NotFound):
        return SaveFailure(CONFLICT, f"{error} Keep your edits as a new draft.", retry=False)
    if isinstance(error, sa.exc.SQLAlchemyError):
        clause = unavailable(error)
        return SaveFailure(RETRYING, f"{clause[0].upper()}{clause[1:]}; retrying.", retry=True)
    raise error
