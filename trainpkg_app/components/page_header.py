"""The title block at the top of a page."""

import reflex as rx

from trainpkg_app.components.account_menu import account_menu
from trainpkg_app.components.color_mode import color_mode_toggle


def page_header(title: str, description: str) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.heading(title, as_="h1", size="7"),
            rx.text(description, color=rx.color("gray", 11), size="3"),
            spacing="1",
        ),
        rx.spacer(),
        account_menu(),
        color_mode_toggle(),
        spacing="4",
        width="100%",
        align="start",
        padding_bottom="4",
    )
