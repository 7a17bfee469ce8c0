"""The run of a version: status, progress, live loss chart, log tail, cancel, costs."""

import reflex as rx

from trainpkg_app.components.evaluation_card import evaluation_card
from trainpkg_app.components.line_figure import line_figure
from trainpkg_app.components.playground import try_it_button
from trainpkg_app.components.ship_it import ship_it
from trainpkg_app.core.vocabulary import TrainingStatus
from trainpkg_app.state.runs import RunState


def _finding_area(finding) -> rx.Component:
    """A doctor finding's evidence, marked on the loss chart."""
    return rx.recharts.reference_area(
        x1=finding.start_step,
        x2=finding.end_step,
        fill=rx.color("red", 9),
        fill_opacity=0.2,
        stroke=rx.color("red", 9),
        if_overflow="extendDomain",
        class_name="doctor-area",
    )


def _finding(finding) -> rx.Component:
    return rx.el.article(
        rx.text(finding.title, " at step ", finding.step, weight="bold", size="2"),
        rx.text(finding.evidence, size="2"),
        rx.text("Fix: ", finding.fix, size="2", color=rx.color("gray", 11)),
        aria_label=finding.title,
        class_name="doctor-finding",
    )


def _findings() -> rx.Component:
    """The training doctor's findings (shaded red on the chart)."""
    return rx.cond(
        RunState.findings.length() > 0,
        rx.callout.root(
            rx.callout.text("Training doctor", weight="bold"),
            rx.foreach(RunState.findings, _finding),
            color_scheme="red",
            role="alert",
            width="100%",
        ),
    )


def _loss_chart() -> rx.Component:
    return line_figure(
        rx.recharts.line(
            data_key="loss",
            name="train loss",
            stroke=rx.color("accent", 9),
            dot=False,
            is_animation_active=False,
        ),
        rx.recharts.line(
            data_key="eval_loss",
            name="eval loss",
            stroke=rx.color("amber", 9),
            dot=False,
            is_animation_active=False,
        ),
        rx.foreach(RunState.findings, _finding_area),
        rx.recharts.x_axis(
            data_key="step", type_="number", domain=["dataMin", "dataMax"], allow_decimals=False
        ),
        rx.recharts.y_axis(),
        data=RunState.points,
        height=180,
        caption="Loss by step",
        label="Loss chart",
    )


def _run_card(where: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text("Run of ", RunState.version_label, weight="bold", size="2"),
                rx.spacer(),
                rx.cond(RunState.live, rx.badge("live", color_scheme="green", variant="soft")),
                rx.badge(RunState.status, high_contrast=True, id=f"{where}-run-status"),
                width="100%",
            ),
            rx.progress(value=RunState.progress, max=100, aria_label="Training progress"),
            rx.text(RunState.step_label, " ", RunState.eta, size="1", id=f"{where}-run-step"),
            _loss_chart(),
            _findings(),
            evaluation_card(RunState.evaluation, f"{where}-evaluation-heading"),
            rx.text(
                "Cost (est. / actual): ",
                RunState.estimated_cost,
                " / ",
                RunState.actual_cost,
                size="2",
                id=f"{where}-run-cost",
            ),
            *_run_details(where),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _run_details(where: str) -> list[rx.Component]:
    """The Hub link, the error, the log tail and, while it runs, the cancel button."""
    active = (RunState.status == TrainingStatus.RUNNING.value) | (
        RunState.status == TrainingStatus.PENDING.value
    )
    return [
        rx.cond(
            RunState.url != "",
            rx.link("Open on the Hub", href=RunState.url, is_external=True, size="2"),
        ),
        rx.cond(
            RunState.error != "",
            rx.text(RunState.error, size="2", color=rx.color("red", 11)),
        ),
        rx.el.details(
            rx.el.summary("Last log lines"),
            rx.el.pre(RunState.log_tail, class_name="yaml-preview"),
        ),
        _webhook_log(),
        rx.cond(
            active,
            rx.button(
                "Cancel run", color_scheme="red", variant="soft", size="1", on_click=RunState.cancel
            ),
        ),
        _go_on(where),
        ship_it(where),
        rx.cond(RunState.status == TrainingStatus.COMPLETED.value, try_it_button(RunState.run_id)),
        rx.cond(
            RunState.stopped_by_doctor,
            rx.button(
                "New draft: restore the best checkpoint and lower the learning rate",
                variant="soft",
                size="1",
                on_click=RunState.retry_gentler,
            ),
        ),
    ]


def _extend_form(where: str) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.el.label(
                rx.text("More ", RunState.extend_unit, size="2"), html_for=f"{where}-extend-more"
            ),
            rx.input(
                id=f"{where}-extend-more",
                name="more",
                type="number",
                min=1,
                default_value=rx.cond(RunState.extend_unit == "steps", "100", "1"),
                required=True,
                size="1",
                width="7em",
            ),
            rx.button("Extend", type="submit", variant="soft", size="1"),
            align="center",
        ),
        on_submit=RunState.extend_run,
        aria_label="Extend the run",
    )


def _go_on(where: str) -> rx.Component:
    """Resume a failed or cancelled run; Extend a completed one (both from its checkpoint)."""
    return rx.fragment(
        rx.cond(RunState.chain != "", rx.text(RunState.chain, size="1", id=f"{where}-run-chain")),
        rx.cond(
            RunState.can_resume,
            rx.button(
                "Resume from the last checkpoint",
                variant="soft",
                size="1",
                on_click=RunState.resume_run,
            ),
        ),
        rx.cond(RunState.can_extend, _extend_form(where)),
    )


def _webhook_log() -> rx.Component:
    """The run-end webhook's delivery attempts, when there are any."""
    return rx.cond(
        RunState.webhook.length() > 0,
        rx.vstack(
            rx.text("Webhook", weight="bold", size="1"),
            rx.el.ul(
                rx.foreach(RunState.webhook, lambda line: rx.el.li(rx.text(line, size="1"))),
                aria_label="Webhook deliveries",
                style={"margin": 0, "padding_left": "1.2em"},
            ),
            spacing="1",
        ),
    )


def run_panel(where: str) -> rx.Component:
    """The current run; ``where`` ("sidebar", "deploy") keeps the element ids unique."""
    return rx.vstack(
        rx.cond(
            RunState.message != "",
            rx.text(RunState.message, size="2", role="status", id=f"{where}-run-message"),
        ),
        rx.cond(RunState.run_id != "", _run_card(where)),
        width="100%",
        aria_live="polite",
        id=f"{where}-run-panel",
    )
