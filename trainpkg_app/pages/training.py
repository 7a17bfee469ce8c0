"""The Training page: its first tab holds the Training Packages wizard and its history."""

import reflex as rx

from trainpkg_app.components.account_menu import accounts_dialog
from trainpkg_app.components.conflict_banner import conflict_banner
from trainpkg_app.components.history_dialogs import compare_panel, publish_dialog, restore_dialog
from trainpkg_app.components.history_sidebar import history_sidebar
from trainpkg_app.components.hub_token_dialog import hub_token_dialog
from trainpkg_app.components.package_bar import package_bar
from trainpkg_app.components.page_header import page_header
from trainpkg_app.components.playground import playground
from trainpkg_app.components.runs_tab import runs_tab
from trainpkg_app.components.sweep_dialog import sweep_dialog
from trainpkg_app.components.wizard import wizard
from trainpkg_app.state.auth import AuthState
from trainpkg_app.state.hub_token import HubTokenState
from trainpkg_app.state.packages import PackagesState
from trainpkg_app.state.tabs import TrainingTabsState
from trainpkg_app.state.workspace import WorkspaceState

TITLE = "Training"
DESCRIPTION = (
    "Assemble a training package in four steps (model, config, dataset, deploy), "
    "publish it as an immutable version, and run it here or on the Hugging Face Hub."
)
# Best effort: save when the tab is hidden or closed.
SAVE_ON_HIDE = """
if (!window.__trainpkgSaveOnHide) {  // once per page load, however often the page mounts
  window.__trainpkgSaveOnHide = () => document.getElementById('autosave-now')?.click();
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) window.__trainpkgSaveOnHide();
  });
  window.addEventListener('pagehide', window.__trainpkgSaveOnHide);
}
"""


def _save_on_hide() -> rx.Component:
    return rx.fragment(
        rx.el.button(
            id="autosave-now",
            on_click=WorkspaceState.save_now,
            hidden=True,
            tab_index=-1,
            aria_hidden="true",
        ),
        rx.script(SAVE_ON_HIDE),
    )


def _packages_tab() -> rx.Component:
    return rx.vstack(
        rx.text(
            "A training package bundles a base model, a training config, datasets and a "
            "deploy target. Drafts save themselves; published versions never change.",
            color=rx.color("gray", 11),
        ),
        package_bar(),
        conflict_banner(),
        compare_panel(),
        rx.grid(
            rx.box(wizard(), min_width="0"),
            history_sidebar(),
            columns=rx.breakpoints(initial="1", lg="minmax(0, 1fr) 22rem"),
            spacing="5",
            width="100%",
        ),
        publish_dialog(),
        hub_token_dialog(),
        restore_dialog(),
        sweep_dialog(),
        _save_on_hide(),
        spacing="4",
        padding_top="4",
    )


def training_page() -> rx.Component:
    return rx.container(
        page_header(TITLE, DESCRIPTION),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Training Packages", value="packages"),
                rx.tabs.trigger("Runs", value="runs"),
                rx.tabs.trigger("Try it", value="playground"),
            ),
            rx.tabs.content(_packages_tab(), value="packages"),
            rx.tabs.content(runs_tab(), value="runs"),
            rx.tabs.content(playground(), value="playground"),
            value=TrainingTabsState.tab,
            on_change=TrainingTabsState.set_tab,
            width="100%",
        ),
        accounts_dialog(),
        size="4",
        padding_y="6",
    )


ON_LOAD = [AuthState.require_session, PackagesState.open_initial, HubTokenState.load_status]
