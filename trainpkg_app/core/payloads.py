"""What a browser event may carry. Every public state method is callable from a crafted
websocket event with any arguments, so each handler's arguments are typed with these bounded
types and checked (strictly: no coercion) before the handler runs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from trainpkg_app.core.resume import WARM_START

StepName = Literal["model", "config", "dataset", "deploy"]
EntityId = Annotated[
    str, StringConstraints(pattern=r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
]
WarmStartRef = Annotated[str, StringConstraints(pattern=f"^$|^{WARM_START.pattern}$")]
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
FIELD_VALUE_LENGTH = 4096
FieldValue = Annotated[str, StringConstraints(max_length=FIELD_VALUE_LENGTH)]  # a form field
ShortText = Annotated[str, StringConstraints(max_length=512)]  # a label, an id, a choice
LongText = Annotated[str, StringConstraints(max_length=4096)]  # a change summary
Smoothing = Annotated[float, Field(ge=0, le=0.99, allow_inf_nan=False)]  # the EMA slider


class Payload(BaseModel):
    """A form sent as one dict: known fields are bounded, unknown ones are dropped."""

    model_config = ConfigDict(extra="ignore", strict=True)


class Credentials(Payload):
    email: Annotated[str, StringConstraints(max_length=320)] = ""
    password: Annotated[str, StringConstraints(max_length=1024)] = ""


class TokenForm(Payload):
    hf_token: Annotated[str, StringConstraints(max_length=512)] = ""


class ExtendForm(Payload):
    more: Annotated[str, StringConstraints(max_length=12)] = ""  # steps or epochs to add


class WebhookForm(Payload):
    url: FieldValue = ""  # the core says what is wrong with a URL (core/webhook.py)


class UploadProgress(Payload):
    progress: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)


RejectedFiles = Annotated[list[ShortText], Field(max_length=50)]


def refusal(error: ValidationError) -> str:
    """One line that names each refused argument and why."""
    parts = []
    for item in error.errors()[:3]:
        where = ".".join(str(part) for part in item["loc"]) or "the event"
        parts.append(f"{where}: {item['msg']}")
    return "Refused: " + "; ".join(parts) + "."


class SweepForm(Payload):
    """The sweep dialog's fields, as typed (core/sweep_form.spec_from_form reads them)."""

    param_1: ShortText = ""
    values_1: ShortText = ""
    low_1: ShortText = ""
    high_1: ShortText = ""
    param_2: ShortText = ""
    values_2: ShortText = ""
    low_2: ShortText = ""
    high_2: ShortText = ""
    param_3: ShortText = ""
    values_3: ShortText = ""
    low_3: ShortText = ""
    high_3: ShortText = ""
    mode: ShortText = ""
    trials: ShortText = ""
    seed: ShortText = ""
    objective: ShortText = ""
    budget_kind: ShortText = ""
    budget: ShortText = ""
    trim: ShortText = ""  # a checkbox: "on" when ticked, absent when not
    halving_step: ShortText = ""
