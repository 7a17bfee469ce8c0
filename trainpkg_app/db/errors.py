"""What the data layer refuses, in words a user can act on."""


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
