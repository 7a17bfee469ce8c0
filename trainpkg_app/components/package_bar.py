"""Choose, create, rename and delete packages; see whether the draft is saved."""

import reflex as rx

from trainpkg_app.components.feedback import problem_callout
from trainpkg_app.components.form_field import form_field, text_input
from trainpkg_app.components.save_indicator import save_indicator
from trainpkg_app.state.packages import PackagesState
from trainpkg_app.state.workspace import WorkspaceState


def _package_picker() -> rx.Component:
    return rx.vstack(
        rx.el.label("Package", html_for="package-picker", class_name="field-label"),
        rx.el.select(
            rx.foreach(
                PackagesState.packages,
                lambda package: rx.el.option(package["name"], value=package["id"]),
            ),
            id="package-picker",
            value=WorkspaceState.package_id,
            on_change=PackagesState.open_package,
            class_name="native-select",
        ),
        spacing="1",
        min_width="14em",
    )


def _delete_button() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("trash-2", size=14, aria_hidden="true"),
                "Delete",
                color_scheme="red",
                variant="soft",
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this package?"),
            rx.alert_dialog.description(
                rx.text(
                    "“",
                    WorkspaceState.package_name,
                    "”, its draft and all its versions will be deleted. This cannot be undone.",
                ),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Delete package", color_scheme="red", on_click=PackagesState.delete_current
                    )
                ),
                justify="end",
                spacing="3",
                padding_top="3",
            ),
        ),
    )


def _name_field() -> rx.Component:
    no_warning = rx.Var.create("")
    return rx.box(
        form_field(
            label="Package name",
            field_id="package-name",
            error=PackagesState.name_error,
            warning=no_warning,
            control=rx.box(
                text_input(
                    field_id="package-name",
                    value=PackagesState.name_input,
                    on_change=PackagesState.set_name_input,
                    error=PackagesState.name_error,
                    warning=no_warning,
                ),
                on_blur=PackagesState.rename,
                width="100%",
            ),
        ),
        min_width="14em",
        flex="1",
    )


def package_bar() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            _package_picker(),
            _name_field(),
            rx.button(
                rx.icon("plus", size=14, aria_hidden="true"),
                "New package",
                on_click=PackagesState.new_package,
                variant="soft",
            ),
            _delete_button(),
            align="end",
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        rx.hstack(
            rx.text("Draft: ", rx.code(WorkspaceState.draft_name), size="2"),
            rx.text("Next version: ", rx.code(WorkspaceState.next_version_name), size="2"),
            rx.spacer(),
            save_indicator(WorkspaceState.status, WorkspaceState.saved_at, WorkspaceState.detail),
            spacing="4",
            wrap="wrap",
            align="center",
            width="100%",
        ),
        rx.cond(PackagesState.notice != "", problem_callout(PackagesState.notice, color="amber")),
        spacing="3",
        width="100%",
    )
