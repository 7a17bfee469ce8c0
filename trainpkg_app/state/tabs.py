"""Which tab of the Training page is open, and the Runs tab's list."""

from __future__ import annotations

from typing import Literal

import reflex as rx

from trainpkg_app.core.calibration import error_by_target
from trainpkg_app.core.payloads import EntityId
from trainpkg_app.deploy.service import list_runs
from trainpkg_app.state.events import checked
from trainpkg_app.state.owner import as_owner
from trainpkg_app.state.packages import PackagesState


class TrainingTabsState(rx.State):
    tab: str = "packages"
    runs: list[dict[str, str]] = []

    @rx.var
    def estimate_errors(self) -> list[dict[str, str]]:
        """The mean estimate error per target (core/calibration.error_by_target)."""
        return error_by_target(self.runs)

    @rx.event
    @checked(value=Literal["packages", "runs", "playground"])
    async def set_tab(self, value: str):
        self.tab = value
        if value == "runs":
            self.runs = await as_owner(self, list_runs)

    @rx.event
    @checked(package_id=EntityId)
    def open_version(self, package_id: str):
        """Back to the Training Packages tab, with the run's package open."""
        self.tab = "packages"
        return PackagesState.open_package(package_id)
