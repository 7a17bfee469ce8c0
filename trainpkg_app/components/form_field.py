"""Labelled inputs with their error and warning, linked for screen readers."""

from collections.abc import Callable, Sequence

import reflex as rx


def message_line(
    text: rx.Var, *, element_id: str, icon: str, color: str, role: str = ""
) -> rx.Component:
    """An icon and a message on one line; ``role="status"`` announces it politely."""
    return rx.flex(
        rx.icon(icon, size=14, aria_hidden="true", flex_shrink="0", margin_top="3px"),
        rx.text(text, size="2"),
        id=element_id,
        spacing="1",
        color=rx.color(color, 11),
        **({"role": role} if role else {}),
    )


def _messages(field_id: str, error: rx.Var, warning: rx.Var) -> rx.Component:
    return rx.fragment(
        rx.cond(
            error != "",
            message_line(error, element_id=f"{field_id}-error", icon="circle-alert", color="red"),
        ),
        rx.cond(
            warning != "",
            message_line(
                warning,
                element_id=f"{field_id}-warning",
                icon="triangle-alert",
                color="amber",
                role="status",
            ),
        ),
    )


def _described_by(field_id: str, error: rx.Var, warning: rx.Var, hint: str) -> rx.Var:
    ids = rx.cond(error != "", f"{field_id}-error ", "").to(str) + rx.cond(
        warning != "", f"{field_id}-warning ", ""
    ).to(str)
    return ids + (f"{field_id}-hint" if hint else "")


def form_field(
    *,
    label: str,
    field_id: str,
    control: rx.Component,
    error: rx.Var,
    warning: rx.Var,
    hint: str = "",
) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        control,
        rx.text(hint, id=f"{field_id}-hint", size="1", color=rx.color("gray", 11))
        if hint
        else rx.fragment(),
        _messages(field_id, error, warning),
        spacing="1",
        width="100%",
    )


def text_input(
    *,
    field_id: str,
    value: rx.Var,
    on_change: Callable,
    error: rx.Var,
    warning: rx.Var,
    hint: str = "",
    input_mode: str = "text",
    placeholder: str = "",
) -> rx.Component:
    return rx.input(
        id=field_id,
        value=value,
        on_change=on_change,
        input_mode=input_mode,
        placeholder=placeholder,
        aria_invalid=rx.cond(error != "", "true", "false"),
        aria_describedby=_described_by(field_id, error, warning, hint),
        color_scheme=rx.cond(error != "", "red", "gray"),
        width="100%",
    )


def native_select(
    *,
    field_id: str,
    options: Sequence[tuple[str, str]],
    value: rx.Var,
    on_change: Callable,
    error: rx.Var,
) -> rx.Component:
    """A native <select>: keyboard and screen readers work with it out of the box."""
    return rx.el.select(
        *[rx.el.option(label, value=option) for option, label in options],
        id=field_id,
        value=value,
        on_change=on_change,
        aria_invalid=rx.cond(error != "", "true", "false"),
        aria_describedby=rx.cond(error != "", f"{field_id}-error", ""),
        class_name="native-select",
    )


def radio_cards(
    *,
    group_label: str,
    field_id: str,
    options: Sequence[tuple[str, str, str]],
    value: rx.Var,
    on_change: Callable,
    error: rx.Var,
) -> rx.Component:
    """A labelled radio group; each option has a title and a one-line explanation."""
    return rx.vstack(
        rx.text(group_label, id=f"{field_id}-label", class_name="field-label"),
        rx.radio_group.root(
            rx.flex(
                *[
                    rx.el.label(
                        rx.radio_group.item(value=option, id=f"{field_id}-{option}"),
                        rx.vstack(
                            rx.text(title, weight="medium"),
                            rx.text(explanation, size="1", color=rx.color("gray", 11)),
                            spacing="0",
                        ),
                        html_for=f"{field_id}-{option}",
                        class_name="radio-card",
                    )
                    for option, title, explanation in options
                ],
                spacing="3",
                wrap="wrap",
            ),
            value=value,
            on_change=on_change,
            aria_labelledby=f"{field_id}-label",
            aria_describedby=rx.cond(error != "", f"{field_id}-error", ""),
        ),
        _messages(field_id, error, rx.Var.create("")),
        spacing="1",
        width="100%",
    )


def switch_field(label: str, *, checked: rx.Var, on_change: Callable) -> rx.Component:
    """A labelled on/off switch (role="switch", named by its label)."""
    return rx.el.label(
        rx.switch(checked=checked, on_change=on_change, size="1"),
        rx.text.span(label, size="2"),
        class_name="switch-label",
    )
