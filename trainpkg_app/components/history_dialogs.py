"""What the history sidebar opens: the publish and restore dialogs, the compare panel."""

import reflex as rx

from trainpkg_app.components.form_field import switch_field
from trainpkg_app.state.compare import CompareState
from trainpkg_app.state.publish import PublishState
from trainpkg_app.state.restore import RestoreState

# Escape closes the compare panel while focus is in it (or nowhere), as it would a dialog.
ESCAPE_CLOSES_COMPARE = """
if (!window.__trainpkgEscapeCloses) {
  window.__trainpkgEscapeCloses = true;
  document.addEventListener('keydown', (event) => {
    const panel = document.getElementById('compare-panel');
    const focus = document.activeElement;
    const inside = panel?.contains(focus) || focus === document.body;
    if (event.key === 'Escape' && inside) document.getElementById('compare-close')?.click();
  });
}
"""
CHANGE_COLORS = {"added": "green", "removed": "red", "changed": "amber", "unchanged": "gray"}


def publish_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Publish a version"),
            rx.dialog.description(
                "Publishing checks all four steps and freezes the draft as the next numbered "
                "version. Published versions never change.",
                size="2",
            ),
            rx.vstack(
                rx.el.label("Change summary", html_for="change-summary", class_name="field-label"),
                rx.text_area(
                    id="change-summary",
                    value=PublishState.change_summary,
                    on_change=PublishState.set_change_summary,
                    placeholder="What changed, and why?",
                    width="100%",
                ),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button("Publish version", on_click=PublishState.publish),
                    justify="end",
                    spacing="3",
                    width="100%",
                ),
                spacing="2",
                padding_top="3",
            ),
        ),
        open=PublishState.publish_open,
        on_open_change=PublishState.set_publish_open,
    )


def _side_select(field_id: str, label: str, value: rx.Var, on_change) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        rx.el.select(
            rx.foreach(
                CompareState.compare_choices,
                lambda choice: rx.el.option(choice["label"], value=choice["value"]),
            ),
            id=field_id,
            value=value,
            on_change=on_change,
            class_name="native-select",
        ),
        spacing="1",
        flex="1",
    )


def _diff_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["step"]),
        rx.table.row_header_cell(rx.code(row["path"], variant="ghost")),
        rx.table.cell(
            rx.badge(
                row["change"],
                color_scheme=rx.match(row["change"], *CHANGE_COLORS.items(), "gray"),
                high_contrast=True,
            )
        ),
        rx.table.cell(rx.code(row["left"], variant="ghost")),
        rx.table.cell(rx.code(row["right"], variant="ghost")),
        data_change=row["change"],
    )


def compare_panel() -> rx.Component:
    """Compare, inline above the wizard (a Radix dialog cost ~25 ms of style work per open:
    its portal starts a new theme root; bench/ui_latency.py). Escape or Close ends it."""
    return rx.fragment(rx.script(ESCAPE_CLOSES_COMPARE), _compare_section())


def _compare_header() -> rx.Component:
    return rx.hstack(
        rx.heading("Compare", size="4", id="compare-heading", tab_index=-1),
        rx.button(
            "Close",
            variant="soft",
            color_scheme="gray",
            on_click=CompareState.set_compare_open(False),
            id="compare-close",
        ),
        justify="between",
        width="100%",
    )


def _compare_sides() -> rx.Component:
    return rx.hstack(
        _side_select(
            "compare-left", "Left", CompareState.compare_left, CompareState.set_compare_left
        ),
        _side_select(
            "compare-right", "Right", CompareState.compare_right, CompareState.set_compare_right
        ),
        spacing="3",
        width="100%",
    )


def _diff_table() -> rx.Component:
    titles = ("Step", "Field", "Change", "Left", "Right")
    return rx.cond(
        CompareState.shown_diff_rows.length() > 0,
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(t) for t in titles])),
                rx.table.body(rx.foreach(CompareState.shown_diff_rows, _diff_row)),
                size="1",
            ),
            role="region",
            aria_label="Differences",
            overflow_x="auto",
            width="100%",
        ),
        rx.text("No differences.", size="2"),
    )


def _compare_section() -> rx.Component:
    return rx.cond(
        CompareState.compare_open,
        rx.el.section(
            rx.card(
                rx.vstack(
                    _compare_header(),
                    _compare_sides(),
                    switch_field(
                        "Only differences",
                        checked=CompareState.only_differences,
                        on_change=CompareState.set_only_differences,
                    ),
                    _diff_table(),
                    spacing="3",
                )
            ),
            id="compare-panel",
            role="region",
            aria_labelledby="compare-heading",
            style={"width": "100%"},
        ),
    )


def restore_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Replace the draft?"),
            rx.alert_dialog.description(
                rx.text(
                    "The current draft has changes that are not published. Restoring ",
                    RestoreState.restore_label,
                    " replaces them in the draft. Published versions stay as they are.",
                ),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button(
                        "Keep the draft",
                        variant="soft",
                        color_scheme="gray",
                        on_click=RestoreState.cancel_restore,
                    )
                ),
                rx.alert_dialog.action(rx.button("Restore", on_click=RestoreState.restore)),
                justify="end",
                spacing="3",
                padding_top="3",
            ),
        ),
        open=RestoreState.restore_version_id != "",
    )
