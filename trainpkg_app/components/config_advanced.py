"""The config step's advanced settings; every option list is read from the core's TrainingConfig."""

from collections.abc import Mapping

import reflex as rx

from trainpkg_app.components.wizard_fields import YES_NO, grid, select_field, text_field
from trainpkg_app.core.step_data import TrainingConfig
from trainpkg_app.core.throughput import ATTENTION_LABELS, PACKING_LABELS
from trainpkg_app.core.vocabulary import (
    DOCTOR_LABELS,
    OPTIMIZER_LABELS,
    QUANT_TYPE_LABELS,
    SCHEDULER_LABELS,
    STRATEGY_LABELS,
    field_values,
    options,
)
from trainpkg_app.state.workspace import WorkspaceState


def config_options(field: str, labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """The options of one TrainingConfig field, labelled."""
    return options(field_values(TrainingConfig, field), labels)


SCHEDULERS = config_options("lr_scheduler", SCHEDULER_LABELS)
OPTIMIZERS = config_options("optimizer", OPTIMIZER_LABELS)
PRECISIONS = config_options("precision", {})  # the values are their own labels: bf16, fp16...
EVAL_STRATEGIES = config_options("eval_strategy", STRATEGY_LABELS)
SAVE_STRATEGIES = config_options("save_strategy", STRATEGY_LABELS)
ATTENTIONS = config_options("attn_implementation", ATTENTION_LABELS)
PACKINGS = config_options("packing_strategy", PACKING_LABELS)
QUANT_TYPES = config_options("qlora_quant_type", QUANT_TYPE_LABELS)
DOCTOR_MODES = config_options("doctor", DOCTOR_LABELS)


def _training_fields() -> rx.Component:
    return grid(
        text_field(
            "config", "max_steps", "Max steps", numeric=True, hint="Optional; overrides epochs."
        ),
        text_field("config", "gradient_accumulation_steps", "Gradient accumulation", numeric=True),
        text_field("config", "warmup_ratio", "Warmup ratio", numeric=True),
        select_field("config", "lr_scheduler", "Scheduler", SCHEDULERS),
        select_field("config", "optimizer", "Optimizer", OPTIMIZERS),
        text_field("config", "weight_decay", "Weight decay", numeric=True),
        select_field("config", "precision", "Precision", PRECISIONS),
        select_field("config", "gradient_checkpointing", "Gradient checkpointing", YES_NO),
        text_field("config", "seed", "Seed", numeric=True),
        select_field("config", "eval_strategy", "Evaluate", EVAL_STRATEGIES),
        select_field("config", "save_strategy", "Save checkpoints", SAVE_STRATEGIES),
        select_field("config", "doctor", "Training doctor", DOCTOR_MODES),
    )


def _throughput_fields() -> rx.Component:
    """Packing, attention kernel, Liger, FSDP and checkpoints kept."""
    return grid(
        select_field("config", "packing", "Packing", YES_NO),
        select_field("config", "packing_strategy", "Packing strategy", PACKINGS),
        select_field("config", "attn_implementation", "Attention", ATTENTIONS),
        select_field("config", "use_liger_kernel", "Liger kernels (GPU)", YES_NO),
        select_field("config", "fsdp", "FSDP (full fine-tune, several GPUs)", YES_NO),
        text_field("config", "save_total_limit", "Checkpoints kept", numeric=True),
    )


def _adapter_fields() -> rx.Component:
    return grid(
        text_field("config", "lora_alpha", "LoRA alpha", numeric=True),
        text_field("config", "lora_dropout", "LoRA dropout", numeric=True),
        text_field(
            "config",
            "lora_target_modules",
            "LoRA target modules",
            hint="Comma-separated, or all-linear.",
        ),
    )


def advanced_fields(is_adapter: rx.Var) -> rx.Component:
    return rx.vstack(
        _training_fields(),
        _throughput_fields(),
        rx.cond(is_adapter, _adapter_fields()),
        rx.cond(
            WorkspaceState.forms["config"]["method"].to(str) == "qlora",
            grid(
                select_field("config", "qlora_quant_type", "4-bit type", QUANT_TYPES),
                select_field("config", "qlora_double_quant", "Double quantisation", YES_NO),
            ),
        ),
        spacing="4",
        width="100%",
    )
