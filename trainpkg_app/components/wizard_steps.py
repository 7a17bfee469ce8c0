"""The bodies of the four steps (the deploy step's in deploy_step.py)."""

from typing import get_args

import reflex as rx

from trainpkg_app.components import dataset_step
from trainpkg_app.components.deploy_step import deploy_body
from trainpkg_app.components.form_field import switch_field
from trainpkg_app.components.model_search import model_facts_list, model_search
from trainpkg_app.components.wizard_fields import (
    YES_NO,
    choice_field,
    grid,
    select_field,
    text_field,
)
from trainpkg_app.core.presets import PRESET_LABELS
from trainpkg_app.core.throughput import (
    ATTENTION_LABELS,
    PACKING_LABELS,
    AttentionImplementation,
    PackingStrategy,
)
from trainpkg_app.state.model_search import ModelSearchState
from trainpkg_app.state.workspace import WorkspaceState

METHODS = [
    ("full", "Full fine-tune", "Updates every weight. Best quality, most GPU memory."),
    ("lora", "LoRA", "Trains small adapter matrices. A fraction of the memory."),
    ("qlora", "QLoRA", "LoRA on a 4-bit quantised model. Fits large models on one GPU."),
]


TRAIN_ON = [("answers", "Answers only"), ("all", "Whole text")]


def model_body() -> rx.Component:
    return rx.vstack(
        model_search(),
        rx.separator(size="4"),
        rx.hstack(
            rx.box(
                text_field(
                    "model",
                    "model_id",
                    "Model id",
                    placeholder="owner/name",
                    hint="A Hub id (Qwen/Qwen2.5-0.5B) or a local folder (/models/mine).",
                ),
                flex="1",
            ),
            rx.button(
                "Look up",
                on_click=ModelSearchState.look_up_typed,
                variant="soft",
                aria_label="Look up model details",
            ),
            align="end",
            width="100%",
        ),
        model_facts_list(WorkspaceState.model_facts),
        grid(
            text_field(
                "model", "parameters", "Parameters", numeric=True, hint="From the Hub, or type it."
            ),
            text_field(
                "model", "size_gb", "Size on disk (GB)", numeric=True, hint="The weight files."
            ),
        ),
        spacing="3",
        width="100%",
    )


STRATEGIES = [("no", "No"), ("steps", "About 12 times a run"), ("epoch", "Every epoch")]
ATTENTIONS = [(name, ATTENTION_LABELS[name]) for name in get_args(AttentionImplementation)]
PACKINGS = [(name, PACKING_LABELS[name]) for name in get_args(PackingStrategy)]


def _throughput_fields() -> rx.Component:
    """Packing, attention kernel, Liger, FSDP and checkpoints kept (options from the core)."""
    return grid(
        select_field("config", "packing", "Packing", YES_NO),
        select_field("config", "packing_strategy", "Packing strategy", PACKINGS),
        select_field("config", "attn_implementation", "Attention", ATTENTIONS),
        select_field("config", "use_liger_kernel", "Liger kernels (GPU)", YES_NO),
        select_field("config", "fsdp", "FSDP (full fine-tune, several GPUs)", YES_NO),
        text_field("config", "save_total_limit", "Checkpoints kept", numeric=True),
    )


def _presets() -> rx.Component:
    return rx.vstack(
        rx.text("Presets", class_name="field-label"),
        rx.hstack(
            *[
                rx.button(
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
                for preset, (title, text) in PRESET_LABELS.items()
            ],
            wrap="wrap",
            spacing="2",
        ),
        spacing="1",
        width="100%",
    )


def _advanced_fields(is_adapter: rx.Var) -> rx.Component:
    return rx.vstack(
        grid(
            text_field(
                "config", "max_steps", "Max steps", numeric=True, hint="Optional; overrides epochs."
            ),
            text_field(
                "config", "gradient_accumulation_steps", "Gradient accumulation", numeric=True
            ),
            text_field("config", "warmup_ratio", "Warmup ratio", numeric=True),
            select_field(
                "config",
                "lr_scheduler",
                "Scheduler",
                [
                    ("linear", "Linear"),
                    ("cosine", "Cosine"),
                    ("constant", "Constant"),
                    ("constant_with_warmup", "Constant with warmup"),
                ],
            ),
            select_field(
                "config",
                "optimizer",
                "Optimizer",
                [
                    ("adamw_torch", "AdamW"),
                    ("adamw_8bit", "AdamW 8-bit"),
                    ("paged_adamw_8bit", "Paged AdamW 8-bit"),
                    ("adafactor", "Adafactor"),
                    ("sgd", "SGD"),
                ],
            ),
            text_field("config", "weight_decay", "Weight decay", numeric=True),
            select_field(
                "config",
                "precision",
                "Precision",
                [("bf16", "bf16"), ("fp16", "fp16"), ("fp32", "fp32")],
            ),
            select_field("config", "gradient_checkpointing", "Gradient checkpointing", YES_NO),
            text_field("config", "seed", "Seed", numeric=True),
            select_field("config", "eval_strategy", "Evaluate", STRATEGIES),
            select_field("config", "save_strategy", "Save checkpoints", STRATEGIES),
        ),
        _throughput_fields(),
        rx.cond(
            is_adapter,
            grid(
                text_field("config", "lora_alpha", "LoRA alpha", numeric=True),
                text_field("config", "lora_dropout", "LoRA dropout", numeric=True),
                text_field(
                    "config",
                    "lora_target_modules",
                    "LoRA target modules",
                    hint="Comma-separated, or all-linear.",
                ),
            ),
        ),
        rx.cond(
            WorkspaceState.forms["config"]["method"].to(str) == "qlora",
            grid(
                select_field(
                    "config", "qlora_quant_type", "4-bit type", [("nf4", "NF4"), ("fp4", "FP4")]
                ),
                select_field("config", "qlora_double_quant", "Double quantisation", YES_NO),
            ),
        ),
        spacing="4",
        width="100%",
    )


def _memory_fit() -> rx.Component:
    fit = WorkspaceState.memory_fit
    return rx.cond(
        fit.length() > 0,
        rx.callout.root(
            rx.callout.text(rx.text.span("Memory: ", weight="bold"), fit["message"]),
            rx.callout.text(rx.text.span("Parts: ", weight="medium"), fit["parts"], size="2"),
            rx.callout.text(rx.text.span("How: ", weight="medium"), fit["formula"], size="1"),
            color_scheme=rx.match(
                fit["verdict"], ("fits", "green"), ("tight", "amber"), ("won't fit", "red"), "gray"
            ),
            high_contrast=True,
            role="status",
            id="memory-fit",
            width="100%",
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


def config_body() -> rx.Component:
    is_adapter = WorkspaceState.forms["config"]["method"].to(str) != "full"
    return rx.vstack(
        _presets(),
        choice_field("config", "method", "Method", METHODS),
        grid(
            text_field("config", "learning_rate", "Learning rate", numeric=True),
            text_field("config", "num_epochs", "Epochs", numeric=True),
            text_field("config", "per_device_batch_size", "Batch size per device", numeric=True),
            text_field("config", "max_seq_length", "Max sequence length", numeric=True),
            rx.cond(is_adapter, text_field("config", "lora_r", "LoRA r", numeric=True)),
            select_field("config", "train_on", "Train on", TRAIN_ON),
        ),
        switch_field(
            "Advanced settings",
            checked=WorkspaceState.advanced_config,
            on_change=WorkspaceState.set_advanced_config,
        ),
        rx.cond(WorkspaceState.advanced_config, _advanced_fields(is_adapter)),
        _memory_fit(),
        _arguments_preview(),
        spacing="4",
        width="100%",
    )


STEP_BODIES = {
    "model": model_body,
    "config": config_body,
    "dataset": dataset_step.dataset_body,
    "deploy": deploy_body,
}
