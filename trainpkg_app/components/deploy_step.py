"""The deploy step's body: where the run goes, whose account it bills, the estimate, the run."""

import reflex as rx

from trainpkg_app.components.run_panel import run_panel
from trainpkg_app.components.wizard_fields import (
    YES_NO,
    choice_field,
    grid,
    select_field,
    text_field,
)
from trainpkg_app.core.hardware import flavors_for
from trainpkg_app.state.hub_token import HubTokenState
from trainpkg_app.state.runs import RunState
from trainpkg_app.state.workspace import WorkspaceState

TARGETS = [
    ("local", "This machine", "Runs train.py here, in the background."),
    ("hf_space", "Hugging Face Space", "A private Space with the GPU you pick; paused when done."),
    ("hf_job", "Hugging Face Job", "A one-off job on the Hub; billing stops when it ends."),
]


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
    estimate = WorkspaceState.run_estimate
    return rx.callout.root(
        rx.callout.text(rx.text.span("Estimate: ", weight="bold"), estimate["message"]),
        rx.cond(
            estimate["formula"] != "",
            rx.callout.text(rx.text.span("How: ", weight="medium"), estimate["formula"], size="1"),
        ),
        color_scheme="blue",
        high_contrast=True,
        role="status",
        id="run-estimate",
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
        rx.button(
            rx.icon("rocket", size=14, aria_hidden="true"),
            "Deploy latest version",
            on_click=RunState.deploy_latest,
            id="deploy-latest",
        ),
        run_panel("deploy"),
        spacing="2",
        width="100%",
    )


def deploy_body() -> rx.Component:
    target = WorkspaceState.forms["deploy"]["target"].to(str)
    return rx.vstack(
        choice_field("deploy", "target", "Where to run", TARGETS),
        rx.match(
            target,
            (
                "local",
                grid(
                    text_field(
                        "deploy",
                        "output_dir",
                        "Output folder",
                        hint="Created if missing; must be writable.",
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
                    text_field(
                        "deploy",
                        "max_hours",
                        "Time cap (hours)",
                        numeric=True,
                        hint="Optional: the run stops when it is hit.",
                    ),
                ),
            ),
            (
                "hf_space",
                rx.vstack(
                    grid(
                        text_field("deploy", "space_name", "Space name", placeholder="owner/name"),
                        select_field(
                            "deploy", "space_flavor", "Hardware", _flavor_options("hf_space")
                        ),
                        select_field("deploy", "private", "Private Space", YES_NO),
                        text_field(
                            "deploy", "sleep_minutes", "Sleep after (minutes)", numeric=True
                        ),
                    ),
                    _token_line(),
                    width="100%",
                ),
            ),
            (
                "hf_job",
                rx.vstack(
                    grid(
                        select_field("deploy", "job_flavor", "Hardware", _flavor_options("hf_job")),
                        text_field("deploy", "timeout_minutes", "Timeout (minutes)", numeric=True),
                    ),
                    _token_line(),
                    width="100%",
                ),
            ),
            rx.fragment(),
        ),
        rx.cond(target != "", _estimate()),
        _run_section(),
        spacing="4",
        width="100%",
    )
