"""The sweep dialog's form (every value is text, as typed) read into a SweepSpec, with the
message a user can act on when a value does not parse."""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from trainpkg_app.core.sweeps import MAX_AXES, PARAMETERS, SweepSpec

# The sweep dialog's form: every value is text, as typed.
FORM_FIELDS = (
    *(
        f"{field}_{n}"
        for n in range(1, MAX_AXES + 1)
        for field in ("param", "values", "low", "high")
    ),
    "mode",
    "trials",
    "seed",
    "objective",
    "budget_kind",
    "budget",
    "trim",
    "halving_step",
)
DEFAULT_FORM = {field: "" for field in FORM_FIELDS} | {
    "param_1": "learning_rate",
    "values_1": "1e-4, 3e-4",
    "mode": "grid",
    "trials": "4",
    "seed": "0",
    "objective": "eval_loss",
    "budget_kind": "usd",
    "budget": "10",
    "trim": "true",
}


def _number(text: str, what: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{what}: give a finite number")
    return value


def _axis(form: dict[str, str], n: int) -> dict[str, Any] | None:
    name = form.get(f"param_{n}", "").strip()
    if not name or name == "none":
        return None
    if name not in PARAMETERS:
        raise ValueError(f"parameter {n}: {name!r} cannot be swept")
    values = [part.strip() for part in form.get(f"values_{n}", "").split(",") if part.strip()]
    if PARAMETERS[name].kind != "choice":
        values = [_number(value, name) for value in values]
        if PARAMETERS[name].kind == "int" and any(v != int(v) for v in values):
            raise ValueError(f"{name}: whole numbers only")
    low = _number(form.get(f"low_{n}", ""), f"{name} low")
    high = _number(form.get(f"high_{n}", ""), f"{name} high")
    return {"name": name, "values": values, "low": low, "high": high}


def spec_from_form(form: dict[str, str]) -> SweepSpec:
    """The dialog's text as a spec; ValueError says what to fix, in words."""
    axes = [axis for n in range(1, MAX_AXES + 1) if (axis := _axis(form, n))]
    budget = _number(form.get("budget", ""), "budget")
    kind = form.get("budget_kind", "usd")
    halving = _number(form.get("halving_step", ""), "halving step")
    try:
        return SweepSpec(
            axes=axes,
            mode=form.get("mode") or "grid",
            trials=int(_number(form.get("trials", ""), "trials") or 4),
            seed=int(_number(form.get("seed", ""), "seed") or 0),
            objective=form.get("objective") or "eval_loss",
            budget_usd=budget if kind == "usd" else None,
            budget_hours=budget if kind == "hours" else None,
            trim=form.get("trim", "") in ("true", "on"),
            halving_step=int(halving) if halving else None,
        )
    except ValidationError as error:
        item = error.errors()[0]
        where = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        raise ValueError(f"{where}: {message}" if where else message) from None
