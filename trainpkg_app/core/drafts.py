"""A draft's content, its fingerprint (for dirty detection) and its typed snapshot."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field, field_validator

from trainpkg_app.core.editing import step_form
from trainpkg_app.core.forms import DEFAULT_FORMS, dataset_row, default_forms, forms_from_snapshot
from trainpkg_app.core.payloads import FIELD_VALUE_LENGTH, FieldValue
from trainpkg_app.core.step_data import DatasetRef
from trainpkg_app.core.validation import StepValidation, validate_step
from trainpkg_app.core.workflow import (
    STEPS,
    StepId,
    create_completed_workflow_state,
    create_initial_workflow_state,
)


def initial_workflow() -> dict[str, Any]:
    return create_initial_workflow_state().model_dump(mode="json")


class DraftContent(BaseModel):
    """Everything a user has typed into the wizard, and where they are in it: the wizard's own
    fields only, each value bounded text (what a draft holds, whatever path wrote it)."""

    forms: dict[str, dict[str, FieldValue]] = Field(default_factory=default_forms)
    datasets: list[dict[str, Any]] = Field(default_factory=list, max_length=32)
    workflow: dict[str, Any] = Field(default_factory=initial_workflow)

    @field_validator("forms", mode="before")
    @classmethod
    def _known_fields_only(cls, forms: Any) -> Any:
        """Unknown steps and fields are dropped; a value stored before values were bounded is
        cut to the bound as text, so that the draft still opens (with the field marked)."""
        if not isinstance(forms, dict):
            return forms
        return {
            step: {
                key: str(value)[:FIELD_VALUE_LENGTH]
                for key, value in (forms.get(step) or {}).items()
                if key in fields
            }
            for step, fields in DEFAULT_FORMS.items()
        }

    def fingerprint(self) -> str:
        """Equal for equal content, whatever the key order: saving twice writes once."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def step_form(self, step: StepId) -> dict[str, Any]:
        return step_form(self.forms, self.datasets, step)

    def validate_all(self) -> dict[StepId, StepValidation]:
        return {step: validate_step(step, self.step_form(step)) for step in STEPS}


_WRAPPED = {StepId.MODEL: "model", StepId.CONFIG: "config", StepId.DEPLOY: "deploy"}


def flagged(
    content: DraftContent, results: dict[StepId, StepValidation]
) -> dict[str, dict[str, str]]:
    """The errors of fields that hold a value: a draft stored with a bad value opens with that
    field marked, while fields not filled in yet stay quiet."""
    return {
        step.value: {
            field: message
            for field, message in result.errors.items()
            if str(content.forms[step.value].get(field, "")).strip()
        }
        for step, result in results.items()
    }


def typed_step(step: StepId, result: StepValidation) -> dict[str, Any]:
    """A valid step's data as plain JSON values."""
    data = getattr(result.data, _WRAPPED[step]) if step in _WRAPPED else result.data
    return data.model_dump(mode="json")


def snapshot_of(results: dict[StepId, StepValidation]) -> dict[str, dict[str, Any]]:
    """The typed snapshot of a fully valid draft: one dict per step."""
    return {step.value: typed_step(step, result) for step, result in results.items()}


def comparable_view(content: DraftContent) -> dict[str, dict[str, Any]]:
    """The draft in snapshot shape: typed where a step validates, as typed text where not."""
    return {
        step.value: typed_step(step, result) if result.ok else content.step_form(step)
        for step, result in content.validate_all().items()
    }


def content_from_snapshot(snapshot: dict[str, dict[str, Any]]) -> DraftContent:
    """A new draft holding a version's values (restore)."""
    datasets = [
        dataset_row(DatasetRef.model_validate(ref).model_dump(mode="json"))
        for ref in snapshot.get("dataset", {}).get("datasets", [])
    ]
    return DraftContent(
        forms=forms_from_snapshot(snapshot),
        datasets=datasets,
        workflow=create_completed_workflow_state().model_dump(mode="json"),
    )
