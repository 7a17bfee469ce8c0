"""The config step's body: presets, method, the main settings, memory fit and the arguments."""

import reflex as rx

from trainpkg_app.components.config_advanced import advanced_fields, config_options
from trainpkg_app.components.form_field import switch_field
from trainpkg_app.components.wizard_fields import (
    choice_field,
    figures_callout,
    grid,
    select_field,
    text_field,
)
from trainpkg_app.core.presets import PRESET_LABELS
from trainpkg_app.core.step_data import TrainingConfig
from trainpkg_app.core.vocabulary import METHOD_LABELS, TRAIN_ON_LABELS, choices, field_values
from trainpkg_app.state.workspace import WorkspaceState

METHODS = choices(field_values(TrainingConfig, "method"), METHOD_LABELS)
TRAIN_ON = config_options("train_on", TRAIN_ON_LABELS)


def _preset_button(preset: str, title: str, text: str) -> rx.Component:
    return rx.button(
        rx.vstack(
            rx.text(title, weight="medium"),
            rx.text(text, size="1", weight="regular"),
            spacing="0",
            align="start",
        ),
        on_click=WorkspaceState.use_preset(preset),
        variant="surface",
        height="auto",
        padding="2",
        aria_label=f"Apply the {title} preset",
    )


def _presets() -> rx.Component:
    return rx.vstack(
        rx.text("Presets", class_name="field-label"),
        rx.hstack(
            *[
                _preset_button(preset, title, text)
                for preset, (title, text) in PRESET_LABELS.items()
            ],
            wrap="wrap",
            spacing="2",
        ),
        spacing="1",
        width="100%",
    )


def _memory_fit() -> rx.Component:
    fit = WorkspaceState.memory_fit
    return rx.cond(
        fit.length() > 0,
        figures_callout(
            "Memory",
            fit,
            [("Parts", "parts", "2"), ("How", "formula", "1")],
            element_id="memory-fit",
            color_scheme=rx.match(
                fit["verdict"], ("fits", "green"), ("tight", "amber"), ("won't fit", "red"), "gray"
            ),
        ),
        rx.text(
            "The memory estimate appears once the model's parameter count is known.",
            size="2",
            color=rx.color("gray", 11),
        ),
    )


def _arguments_preview() -> rx.Component:
    return rx.el.details(
        rx.el.summary("Effective training arguments (YAML)"),
        rx.el.pre(
            rx.el.code(WorkspaceState.arguments_yaml),
            class_name="yaml-preview",
            aria_label="Training arguments",
        ),
    )


def _main_fields(is_adapter: rx.Var) -> rx.Component:
    return grid(
        text_field("config", "learning_rate", "Learning rate", numeric=True),
        text_field("config", "num_epochs", "Epochs", numeric=True),
        text_field("config", "per_device_batch_size", "Batch size per device", numeric=True),
        text_field("config", "max_seq_length", "Max sequence length", numeric=True),
        rx.cond(is_adapter, text_field("config", "lora_r", "LoRA r", numeric=True)),
        select_field("config", "train_on", "Train on", TRAIN_ON),
    )


def _warm_start() -> rx.Component:
    """A draft that starts from an earlier run's checkpoint (the doctor's retry) says so."""
    chosen = WorkspaceState.forms["config"]["warm_start"].to(str)
    return rx.cond(
        chosen != "",
        rx.callout.root(
            rx.callout.text(
                "Starts from the weights of checkpoint step ",
                chosen.split(":")[1],
                " of an earlier run (a new optimizer and schedule, so this learning rate "
                "applies). The run must be yours when this version is deployed.",
            ),
            rx.button(
                "Start from scratch",
                variant="soft",
                size="1",
                on_click=WorkspaceState.set_field("config", "warm_start", ""),
            ),
            aria_label="Start from checkpoint",
            width="100%",
        ),
    )


def config_body() -> rx.Component:
    is_adapter = WorkspaceState.forms["config"]["method"].to(str) != "full"
    return rx.vstack(
        _presets(),
        _warm_start(),
        choice_field("config", "method", "Method", METHODS),
        _main_fields(is_adapter),
        switch_field(
            "Advanced settings",
            checked=WorkspaceState.advanced_config,
            on_change=WorkspaceState.set_advanced_config,
        ),
        rx.cond(WorkspaceState.advanced_config, advanced_fields(is_adapter)),
        _memory_fit(),
        _arguments_preview(),
        spacing="4",
        width="100%",
    )
