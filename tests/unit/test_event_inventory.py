"""Every public method of a Reflex state is an API a crafted websocket event can call. This is
the reviewed list: a new public method fails here until it is reviewed (validated with
@checked and owner-checked, or made private with a leading underscore) and added."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import reflex as rx

import trainpkg_app.state as states

REVIEWED = {
    "AccountsState": {"create", "open_dialog", "revoke", "set_dialog_open", "set_monthly_cap"},
    "AuthState": {"log_in", "log_out", "open_login", "require_session", "sign_up"},
    "DatasetState": {
        "apply_mapping",
        "cancel_mapping",
        "files_rejected",
        "handle_upload",
        "measure",
        "prepare",
        "set_mapping_column",
        "set_mapping_format",
        "set_progress",
        "start_upload",
    },
    "CompareState": {
        "open_compare",
        "set_compare_left",
        "set_compare_open",
        "set_compare_right",
        "set_only_differences",
    },
    "ShipItState": {  # the run id is RunState's; every call owner-checked (deploy/ship.py)
        "download",
        "download_export",
        "merge",
        "open",
        "push",
        "watch_merge",
    },
    "HistoryState": {"archive", "newer", "older", "refresh", "set_include_archived"},
    "PublishState": {"open_publish", "publish", "set_change_summary", "set_publish_open"},
    "RestoreState": {"ask_gentler_retry", "ask_restore", "cancel_restore", "restore"},
    "SweepState": {
        "cancel_sweep",
        "new_sweep",
        "open_sweep",
        "preview",
        "promote",
        "set_dialog_open",
        "start_sweep",
        "watch",
    },
    "HubDatasetState": {"add_hub_dataset", "choose_hub_split", "map_hub_columns", "set_map_format"},
    "HubTokenState": {"load_status", "remove", "save", "set_dialog_open"},
    "ModelSearchState": {"choose", "look_up_typed", "run_search", "set_query"},
    "PackagesState": {
        "delete_current",
        "new_package",
        "open_initial",
        "open_package",
        "refresh",
        "rename",
        "set_name_input",
    },
    "RunState": {
        "cancel",
        "deploy",
        "deploy_latest",
        "extend_run",  # the run id is the state's, never the client's
        "resume_run",
        "retry_gentler",
        "show_latest",
        "watch",
    },
    "RunCompareState": {
        "close_compare",
        "compare",
        "download_csv",
        "select_run",
        "set_log_scale",
        "set_metric",
        "set_smoothing",
        "set_x_axis",
    },
    "RunQueueState": {"cancel", "follow", "move", "queue_latest", "refresh"},
    "TrainingTabsState": {"open_version", "set_tab"},
    # run ids are checked against the owner on open and for each prompt; model keys must be
    # among the choices the server made
    "PlaygroundState": {"choose_model", "clear", "generate", "open_for_run", "send", "stop"},
    "WebhookState": {"remove", "save", "send_test", "set_dialog_open"},
    "WorkspaceState": {
        "autosave_loop",  # drafts.AutosaveMixin
        "back",  # wizard.WizardMixin
        "edit",
        "ensure_autosave",
        "go_to",
        "keep_mine_as_new",
        "load_measured_runs",  # calibration.CalibrationMixin: no arguments, the owner's runs
        "next_step",  # step_data.StepDataMixin
        "reload_newer",
        "remove_dataset",
        "save_now",
        "set_advanced_config",
        "set_field",
        "toggle",
        "use_preset",
    },
}
# Their arguments are objects Reflex builds on the server (the upload endpoint's files); the
# handler checks their type itself.
SERVER_MADE_ARGUMENTS = {"DatasetState.handle_upload"}


def _app_states() -> dict[str, type[rx.State]]:
    for module in pkgutil.iter_modules(states.__path__):
        importlib.import_module(f"{states.__name__}.{module.name}")
    found, todo = {}, list(rx.State.get_substates())
    while todo:
        state = todo.pop()
        todo.extend(state.get_substates())
        if state.__module__.startswith("trainpkg_app."):
            found[state.__name__] = state
    return found


def _handlers(state: type[rx.State]) -> set[str]:
    return set(state.event_handlers) - {"setvar"}  # setvar only reaches set_* handlers


def test_every_public_state_method_is_reviewed():
    exposed = {name: _handlers(state) for name, state in _app_states().items()}
    assert exposed == REVIEWED


def test_every_handler_that_takes_arguments_checks_them():
    unchecked = []
    for name, state in _app_states().items():
        for handler in _handlers(state):
            fn = state.event_handlers[handler].fn
            takes = list(inspect.signature(fn).parameters)[1:]
            if takes and not hasattr(fn, "checked_arguments"):
                unchecked.append(f"{name}.{handler}")
    assert set(unchecked) == SERVER_MADE_ARGUMENTS


def test_setvar_reaches_only_reviewed_handlers():
    """``setvar(name, value)`` calls ``set_<name>``: with auto-setters off (rxconfig), the only
    such methods are reviewed handlers, so no state var can be written through it."""
    for name, state in _app_states().items():
        setters = {attr for attr in dir(state) if attr.startswith("set_")} - {"set_is_hydrated"}
        assert setters <= REVIEWED[name], name
