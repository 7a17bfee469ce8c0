"""The owner's measured runs, read when the Deploy step's estimate shows, so that the estimate
(StepDataMixin.run_estimate) is calibrated by them (core/calibration.py). Part of the
workspace state (state/workspace.py)."""

from __future__ import annotations

import reflex as rx
import sqlalchemy as sa

from trainpkg_app.deploy.calibration import measured_runs
from trainpkg_app.state.events import checked
from trainpkg_app.state.owner import as_owner


class CalibrationMixin(rx.State, mixin=True):
    @rx.event
    @checked()
    async def load_measured_runs(self):
        """Read the signed-in owner's measured runs (theirs only); the estimate keeps the
        static formula when the database cannot be read."""
        try:
            self._measured_runs = await as_owner(self, measured_runs)
        except sa.exc.SQLAlchemyError:
            self._measured_runs = []
