"""Follow-ups that a state fires on a state built on top of it, without importing it.

A lower state names the follow-up here; the module of the state that provides it fills the
link in when it loads (the app imports every state). So the state modules form no import cycle.
"""

from __future__ import annotations

from typing import Any


class Link:
    """One follow-up (a handler or a state class), provided by the module that owns it."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._target: Any = None

    def provide(self, target: Any) -> None:
        self._target = target

    def get(self) -> Any:
        if self._target is None:
            raise RuntimeError(f"{self.what} is not linked yet: import trainpkg_app.state first")
        return self._target


# drafts -> packages: the package list, after a save renamed or created one
packages_refresh = Link("the package list's refresh (state/packages.py)")
# packages -> history, runs: once a package is shown
history_refresh = Link("the version list's refresh (state/history.py)")
runs_show_latest = Link("the latest run's view (state/runs.py)")
