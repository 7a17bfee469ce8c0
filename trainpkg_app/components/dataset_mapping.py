"""The column mapping of an upload whose format was not recognised (a dialog)."""

import reflex as rx

from trainpkg_app.core.dataset_formats import FORMAT_LABELS
from trainpkg_app.state.datasets import MAPPABLE, DatasetState


def format_select(element_id: str, **props) -> rx.Component:
    """A select of the formats that a column mapping can produce (value, on_change in props)."""
    return rx.el.select(
        *[rx.el.option(FORMAT_LABELS[kind], value=kind.value) for kind in MAPPABLE],
        id=element_id,
        **props,
        class_name="native-select",
    )


def column_select(prefix: str, field: rx.Var, columns: rx.Var, **props) -> rx.Component:
    """The column that holds ``field``, labelled; the select's id is ``prefix`` + the field."""
    return rx.vstack(
        rx.el.label("Column for " + field, html_for=prefix + field, class_name="field-label"),
        rx.el.select(
            rx.el.option("Choose a column", value=""),
            rx.foreach(columns, lambda column: rx.el.option(column, value=column)),
            id=prefix + field,
            **props,
            class_name="native-select",
        ),
        spacing="1",
        width="100%",
    )


def _column_select(field: rx.Var) -> rx.Component:
    return column_select(
        "mapping-",
        field,
        DatasetState.mapping_columns,
        value=DatasetState.mapping.get(field, ""),
        on_change=lambda column: DatasetState.set_mapping_column(field, column),
    )


def _buttons() -> rx.Component:
    return rx.hstack(
        rx.button(
            "Cancel", variant="soft", color_scheme="gray", on_click=DatasetState.cancel_mapping
        ),
        rx.button("Use this mapping", on_click=DatasetState.apply_mapping),
        justify="end",
        spacing="3",
        width="100%",
    )


def mapping_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Map the columns"),
            rx.dialog.description(
                "The format was not recognised. Say which columns hold what.", size="2"
            ),
            rx.vstack(
                rx.el.label("Format", html_for="mapping-format", class_name="field-label"),
                format_select(
                    "mapping-format",
                    value=DatasetState.mapping_format,
                    on_change=DatasetState.set_mapping_format,
                ),
                rx.foreach(DatasetState.mapping_fields, _column_select),
                rx.cond(
                    DatasetState.problem != "",
                    rx.text(
                        DatasetState.problem, color=rx.color("red", 11), size="2", role="alert"
                    ),
                ),
                _buttons(),
                spacing="2",
                padding_top="3",
            ),
        ),
        open=DatasetState.mapping_open,
    )
