"""The workspace: the open package, its draft, the step the user is on and what they typed.

One state, so that an edit reaches one state and makes one core call
(core/editing.apply_edit); its parts live in their own modules:
- drafts.AutosaveMixin: which package and draft is open, the auto-save loop, conflicts;
- step_data.StepDataMixin: the four forms, their feedback, the one edit handler (set_field);
- wizard.WizardMixin: navigation and step statuses;
- save_status.SaveStatusMixin: what the save indicator shows;
- calibration.CalibrationMixin: the owner's measured runs, which calibrate the estimate.
The feature states (packages, history, publish, compare, restore, runs, datasets, model
search) read and change it through ``get_state(WorkspaceState)``."""

from __future__ import annotations

import reflex as rx

from trainpkg_app.state.calibration import CalibrationMixin
from trainpkg_app.state.drafts import AutosaveMixin
from trainpkg_app.state.save_status import SaveStatusMixin
from trainpkg_app.state.step_data import StepDataMixin
from trainpkg_app.state.wizard import WizardMixin


class WorkspaceState(
    AutosaveMixin, StepDataMixin, WizardMixin, SaveStatusMixin, CalibrationMixin, rx.State
):
    pass
