"""When the auto-save runs, and how it backs off while the database is unreachable."""

from __future__ import annotations

from pydantic import BaseModel, Field

DEFAULT_INTERVAL_S = 30.0
# What the save indicator shows.
SAVED, SAVING, UNSAVED, RETRYING, CONFLICT = "saved", "saving", "unsaved", "retrying", "conflict"


class AutosaveSchedule(BaseModel, frozen=True):
    interval_s: float = Field(default=DEFAULT_INTERVAL_S, gt=0)
    first_retry_s: float = Field(default=1.0, gt=0)
    max_retry_s: float = Field(default=30.0, gt=0)

    def next_delay(self, consecutive_failures: int) -> float:
        """The interval while saves succeed; 1, 2, 4... seconds (capped) after failures."""
        if consecutive_failures <= 0:
            return self.interval_s
        return min(self.first_retry_s * 2 ** (consecutive_failures - 1), self.max_retry_s)

    def stale_after_s(self) -> float:
        """A loop silent for longer than its longest sleep (plus slack) has died with its
        worker: another may start."""
        return max(self.interval_s, self.max_retry_s) + 15.0
