"""The light/dark switch in the page header."""

import reflex as rx


def color_mode_toggle() -> rx.Component:
    return rx.icon_button(
        rx.color_mode_cond(
            light=rx.icon("moon", aria_hidden="true"), dark=rx.icon("sun", aria_hidden="true")
        ),
        on_click=rx.toggle_color_mode,
        variant="soft",
        size="2",
        aria_label=rx.color_mode_cond(light="Switch to dark mode", dark="Switch to light mode"),
        title=rx.color_mode_cond(light="Switch to dark mode", dark="Switch to light mode"),
    )
