"""The version-history sidebar: versions newest first, paged, with their actions."""

import reflex as rx

from trainpkg_app.components.form_field import switch_field
from trainpkg_app.components.run_panel import run_panel
from trainpkg_app.components.sweep_dialog import TRIAL_INDENT, sweep_button, trial_badge
from trainpkg_app.core.vocabulary import VersionStatus
from trainpkg_app.state.compare import CompareState
from trainpkg_app.state.history import HistoryState
from trainpkg_app.state.notify import ask_permission_then
from trainpkg_app.state.publish import PublishState
from trainpkg_app.state.restore import RestoreState
from trainpkg_app.state.runs import RunState

STATUS_COLORS = {
    VersionStatus.PUBLISHED.value: "green",
    VersionStatus.ARCHIVED.value: "gray",
    VersionStatus.DRAFT.value: "blue",
}


def _detail(label: str, value: rx.Var) -> rx.Component:
    return rx.text(rx.text.span(label, ": ", weight="medium"), value, size="1")


def _version_actions(version: rx.Var) -> rx.Component:
    archived = version["status"] == VersionStatus.ARCHIVED.value
    return rx.hstack(
        rx.button(
            "Compare",
            size="1",
            variant="soft",
            on_click=CompareState.open_compare(version["id"]),
            aria_label="Compare " + version["label"],
        ),
        rx.button(
            "Deploy",
            size="1",
            on_click=ask_permission_then(RunState.deploy(version["id"], version["label"])),
            aria_label="Deploy " + version["label"],
        ),
        rx.button(
            "Restore",
            size="1",
            variant="soft",
            on_click=RestoreState.ask_restore(version["id"], version["label"]),
            aria_label="Restore " + version["label"],
        ),
        rx.cond(~version["sweep_trial"], sweep_button(version)),
        rx.button(
            rx.cond(archived, "Unarchive", "Archive"),
            size="1",
            variant="ghost",
            color_scheme="gray",
            on_click=HistoryState.archive(version["id"], ~archived),
            aria_label=rx.cond(archived, "Unarchive ", "Archive ") + version["label"],
        ),
        spacing="2",
        wrap="wrap",
    )


def _version_item(version: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(version["label"], weight="bold"),
                    rx.text(version["name"], size="2", color=rx.color("gray", 11), truncate=True),
                    rx.spacer(),
                    rx.cond(version["sweep_trial"], trial_badge()),
                    rx.badge(
                        version["status"],
                        color_scheme=rx.match(version["status"], *STATUS_COLORS.items(), "gray"),
                        high_contrast=True,
                    ),
                    width="100%",
                    align="center",
                ),
                rx.cond(
                    version["change_summary"] != "", rx.text(version["change_summary"], size="2")
                ),
                _detail("Published", rx.moment(version["published_at"], format="YYYY-MM-DD HH:mm")),
                _detail("Target", version["target"]),
                _detail("Training", version["training_status"]),
                _detail(
                    "Cost (est. / actual)",
                    rx.text.span(version["estimated_cost"], " / ", version["actual_cost"]),
                ),
                rx.cond(version["evaluation"] != "", _detail("Evaluation", version["evaluation"])),
                _version_actions(version),
                spacing="1",
                width="100%",
            ),
            size="1",
        ),
        aria_label=version["label"] + " " + version["name"],
        style=rx.cond(version["sweep_trial"], TRIAL_INDENT, {}),
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            "Newer",
            size="1",
            variant="soft",
            on_click=HistoryState.newer,
            disabled=~HistoryState.has_newer,
        ),
        rx.text(HistoryState.page_label, size="1"),
        rx.button(
            "Older",
            size="1",
            variant="soft",
            on_click=HistoryState.older,
            disabled=~HistoryState.has_older,
        ),
        justify="between",
        align="center",
        width="100%",
    )


def history_sidebar() -> rx.Component:
    return rx.el.aside(
        rx.vstack(
            rx.hstack(
                rx.heading("Version history", as_="h2", size="4"),
                rx.spacer(),
                rx.button(
                    rx.icon("upload", size=14, aria_hidden="true"),
                    "Publish",
                    on_click=PublishState.open_publish,
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                HistoryState.message != "",
                rx.text(HistoryState.message, size="2", role="status", id="history-message"),
            ),
            switch_field(
                "Show archived",
                checked=HistoryState.include_archived,
                on_change=HistoryState.set_include_archived,
            ),
            run_panel("sidebar"),
            rx.el.ul(
                rx.foreach(HistoryState.versions, _version_item),
                class_name="version-list",
                aria_label="Versions",
            ),
            _pager(),
            spacing="3",
            width="100%",
        ),
        aria_label="Version history",
        class_name="history-sidebar",
    )
