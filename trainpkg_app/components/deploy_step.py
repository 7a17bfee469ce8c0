"""The deploy step's body: where the run goes, whose account it bills, the estimate, the run."""

import reflex as rx

from trainpkg_app.components.run_panel import run_panel
from trainpkg_app.components.run_queue import queue_button, queue_message
from trainpkg_app.components.wizard_fields import (
    YES_NO,
    choice_field,
    figures_callout,
    grid,
    select_field,
    text_field,
)
from trainpkg_app.core.hardware import flavors_for
from trainpkg_app.core.vocabulary import TARGET_LABELS, DeploymentTarget, choices
from trainpkg_app.state.hub_token import HubTokenState
from trainpkg_app.state.notify import ask_permission_then
from trainpkg_app.state.runs import RunState
from trainpkg_app.state.workspace import WorkspaceState

TARGETS = choices([target.value for target in DeploymentTarget], TARGET_LABELS)


def _flavor_options(target: str) -> list[tuple[str, str]]:
    return [(f.id, f"{f.label} (${f.usd_per_hour:.2f}/h)") for f in flavors_for(target)]


def _token_line() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon("key-round", size=16, aria_hidden="true"),
            rx.text(HubTokenState.status, size="2", id="token-status"),
            rx.button(
                "Set token", size="1", variant="soft", on_click=HubTokenState.set_dialog_open(True)
            ),
            align="center",
        ),
        rx.cond(
            HubTokenState.billing != "",
            rx.text(HubTokenState.billing, size="2", id="billing-account", weight="medium"),
        ),
        spacing="1",
    )


def _estimate() -> rx.Component:
    """The estimate, calibrated by the owner's measured runs once they are read."""
    return rx.box(
        figures_callout(
            "Estimate",
            WorkspaceState.run_estimate,
            [("Based on", "basis", "2"), ("How", "formula", "1"), ("Budget", "budget", "2")],
            element_id="run-estimate",
            color_scheme="blue",
            hide_empty=True,
        ),
        on_mount=WorkspaceState.load_measured_runs,
        width="100%",
    )


def _run_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Run", as_="h3", size="3"),
        rx.text(
            "Deploying trains the newest published version on the target it was published "
            "with; publish first to deploy what you see here.",
            size="2",
            color=rx.color("gray", 11),
        ),
        rx.hstack(
            rx.button(
                rx.icon("rocket", size=14, aria_hidden="true"),
                "Deploy latest version",
                on_click=ask_permission_then(RunState.deploy_latest),
                id="deploy-latest",
            ),
            queue_button(),
            wrap="wrap",
        ),
        queue_message(),
        run_panel("deploy"),
        spacing="2",
        width="100%",
    )


def _local_fields() -> rx.Component:
    return grid(
        text_field(
            "deploy", "output_dir", "Output folder", hint="Created if missing; must be writable."
        ),
        text_field(
            "deploy",
            "num_gpus",
            "GPUs",
            numeric=True,
            hint="0 trains on the CPU; over 1 uses accelerate.",
        ),
        text_field(
            "deploy",
            "gpu_memory_gb",
            "GPU memory (GB)",
            numeric=True,
            hint="Optional: checks the memory fit.",
        ),
        _cap("max_hours"),
        _cap("budget_usd"),
    )


# The caps a target may have: (label, hint).
CAPS = {
    "max_hours": ("Time cap (hours)", "Optional: the run stops when it is hit."),
    "budget_usd": (
        "Budget cap ($)",
        "Optional: refused if the estimate is over it; stopped when it is reached.",
    ),
}


def _cap(field: str) -> rx.Component:
    label, hint = CAPS[field]
    return text_field("deploy", field, label, numeric=True, hint=hint)


def _space_fields() -> rx.Component:
    return rx.vstack(
        grid(
            text_field("deploy", "space_name", "Space name", placeholder="owner/name"),
            select_field(
                "deploy", "space_flavor", "Hardware", _flavor_options(DeploymentTarget.HF_SPACE)
            ),
            select_field("deploy", "private", "Private Space", YES_NO),
            text_field("deploy", "sleep_minutes", "Sleep after (minutes)", numeric=True),
            _cap("max_hours"),
            _cap("budget_usd"),
        ),
        _token_line(),
        width="100%",
    )


def _job_fields() -> rx.Component:
    return rx.vstack(
        grid(
            select_field(
                "deploy", "job_flavor", "Hardware", _flavor_options(DeploymentTarget.HF_JOB)
            ),
            text_field("deploy", "timeout_minutes", "Timeout (minutes)", numeric=True),
            _cap("budget_usd"),
        ),
        _token_line(),
        width="100%",
    )


# The fields each target asks for (a target without an entry asks for none).
TARGET_FIELDS = {
    DeploymentTarget.LOCAL: _local_fields,
    DeploymentTarget.HF_SPACE: _space_fields,
    DeploymentTarget.HF_JOB: _job_fields,
}


def deploy_body() -> rx.Component:
    target = WorkspaceState.forms["deploy"]["target"].to(str)
    return rx.vstack(
        choice_field("deploy", "target", "Where to run", TARGETS),
        rx.match(
            target,
            *[(name.value, fields()) for name, fields in TARGET_FIELDS.items()],
            rx.fragment(),
        ),
        rx.cond(target != "", _estimate()),
        _run_section(),
        spacing="4",
        width="100%",
    )
