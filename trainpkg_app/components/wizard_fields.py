"""Step form fields bound to WorkspaceState: one helper per kind of input."""

from collections.abc import Sequence

import reflex as rx

from trainpkg_app.components.form_field import (
    form_field,
    message_line,
    native_select,
    radio_cards,
    text_input,
)
from trainpkg_app.state.workspace import WorkspaceState

YES_NO = [("true", "Yes"), ("false", "No")]


def grid(*children: rx.Component) -> rx.Component:
    """Fields side by side: one column on a phone, up to three on a wide screen."""
    return rx.grid(
        *children, columns=rx.breakpoints(initial="1", sm="2", md="3"), spacing="4", width="100%"
    )


def _error(step: str, field: str) -> rx.Var:
    return WorkspaceState.errors[step].get(field, "").to(str)


def _warning(step: str, field: str) -> rx.Var:
    return WorkspaceState.warnings[step].get(field, "").to(str)


def _value(step: str, field: str) -> rx.Var:
    return WorkspaceState.forms[step][field].to(str)


def _on_change(step: str, field: str, then=None):
    """The edit, then ``then`` (an event that depends on the new value) when given."""
    if then is None:
        return lambda value: WorkspaceState.set_field(step, field, value)
    return lambda value: [WorkspaceState.set_field(step, field, value), then]


def text_field(
    step: str,
    field: str,
    label: str,
    *,
    hint: str = "",
    numeric: bool = False,
    placeholder: str = "",
) -> rx.Component:
    field_id = f"{step}-{field}"
    error, warning = _error(step, field), _warning(step, field)
    return form_field(
        label=label,
        field_id=field_id,
        hint=hint,
        error=error,
        warning=warning,
        control=text_input(
            field_id=field_id,
            value=_value(step, field),
            on_change=_on_change(step, field),
            error=error,
            warning=warning,
            hint=hint,
            input_mode="decimal" if numeric else "text",
            placeholder=placeholder,
        ),
    )


def select_field(
    step: str, field: str, label: str, options: Sequence[tuple[str, str]], *, then=None
) -> rx.Component:
    field_id = f"{step}-{field}"
    error = _error(step, field)
    return form_field(
        label=label,
        field_id=field_id,
        error=error,
        warning=_warning(step, field),
        control=native_select(
            field_id=field_id,
            options=options,
            value=_value(step, field),
            on_change=_on_change(step, field, then),
            error=error,
        ),
    )


def choice_field(
    step: str, field: str, label: str, options: Sequence[tuple[str, str, str]]
) -> rx.Component:
    return radio_cards(
        group_label=label,
        field_id=f"{step}-{field}",
        options=options,
        value=_value(step, field),
        on_change=_on_change(step, field),
        error=_error(step, field),
    )


def step_error(step: str, field: str) -> rx.Component:
    """An error that belongs to the step rather than to one input."""
    error = _error(step, field)
    return rx.cond(
        error != "",
        message_line(error, element_id=f"{step}-{field}-error", icon="circle-alert", color="red"),
    )


def figures_callout(
    heading: str,
    figures: rx.Var,
    details: Sequence[tuple[str, str, str]],
    *,
    element_id: str,
    color_scheme: str | rx.Var,
    hide_empty: bool = False,
) -> rx.Component:
    """A computed figure (the memory fit, a run's estimate): its message after a bold heading,
    then one line per (label, key, text size) detail; ``hide_empty`` leaves out an empty one."""

    def detail(label: str, key: str, size: str) -> rx.Component:
        line = rx.callout.text(rx.text.span(f"{label}: ", weight="medium"), figures[key], size=size)
        return rx.cond(figures[key] != "", line) if hide_empty else line

    return rx.callout.root(
        rx.callout.text(rx.text.span(f"{heading}: ", weight="bold"), figures["message"]),
        *[detail(*item) for item in details],
        color_scheme=color_scheme,
        high_contrast=True,
        role="status",
        id=element_id,
        width="100%",
    )
