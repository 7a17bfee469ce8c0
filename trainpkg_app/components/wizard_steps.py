"""The bodies of the four steps."""

import reflex as rx

from trainpkg_app.components.model_search import model_facts_list, model_search
from trainpkg_app.components.wizard_fields import (
    choice_field,
    select_field,
    step_error,
    text_field,
)
from trainpkg_app.core.hardware import flavors_for
from trainpkg_app.state.model_search import ModelSearchState
from trainpkg_app.state.step_data import StepDataState

METHODS = [
    ("full", "Full fine-tune", "Updates every weight. Best quality, most GPU memory."),
    ("lora", "LoRA", "Trains small adapter matrices. A fraction of the memory."),
    ("qlora", "QLoRA", "LoRA on a 4-bit quantised model. Fits large models on one GPU."),
]
TARGETS = [
    ("local", "This machine", "Runs train.py here, in the background."),
    ("hf_space", "Hugging Face Space", "A private Space with the GPU you pick; paused when done."),
    ("hf_job", "Hugging Face Job", "A one-off job on the Hub; billing stops when it ends."),
]


def _flavor_options(target: str) -> list[tuple[str, str]]:
    return [(f.id, f"{f.label} (${f.usd_per_hour:.2f}/h)") for f in flavors_for(target)]


def _grid(*children: rx.Component) -> rx.Component:
    return rx.grid(
        *children, columns=rx.breakpoints(initial="1", sm="2", md="3"), spacing="4", width="100%"
    )


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
        model_facts_list(StepDataState.model_facts),
        _grid(
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


def config_body() -> rx.Component:
    is_adapter = StepDataState.forms["config"]["method"].to(str) != "full"
    return rx.vstack(
        choice_field("config", "method", "Method", METHODS),
        _grid(
            text_field("config", "learning_rate", "Learning rate", numeric=True),
            text_field("config", "num_epochs", "Epochs", numeric=True),
            text_field("config", "per_device_batch_size", "Batch size per device", numeric=True),
            text_field(
                "config", "gradient_accumulation_steps", "Gradient accumulation", numeric=True
            ),
            text_field("config", "max_seq_length", "Max sequence length", numeric=True),
            text_field("config", "warmup_ratio", "Warmup ratio", numeric=True),
        ),
        rx.cond(
            is_adapter,
            _grid(
                text_field("config", "lora_r", "LoRA r", numeric=True),
                text_field("config", "lora_alpha", "LoRA alpha", numeric=True),
                text_field("config", "lora_dropout", "LoRA dropout", numeric=True),
            ),
        ),
        spacing="4",
        width="100%",
    )


def _attached_dataset(ref: rx.Var) -> rx.Component:
    dataset_id = ref["dataset_id"].to(str)
    return rx.el.li(
        rx.hstack(
            rx.icon("database", size=16, aria_hidden="true"),
            rx.text(dataset_id),
            rx.spacer(),
            rx.button(
                "Remove",
                on_click=StepDataState.remove_dataset(dataset_id),
                variant="ghost",
                color_scheme="red",
                size="1",
                aria_label="Remove " + dataset_id,
            ),
            align="center",
            width="100%",
        ),
    )


def dataset_body() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.box(
                text_field("dataset", "new_dataset_id", "Hub dataset id", placeholder="owner/name"),
                flex="1",
            ),
            rx.button("Add dataset", on_click=StepDataState.add_dataset),
            align="end",
            width="100%",
        ),
        rx.cond(
            StepDataState.datasets.length() > 0,
            rx.el.ul(
                rx.foreach(StepDataState.datasets, _attached_dataset),
                aria_label="Attached datasets",
                class_name="dataset-list",
            ),
            rx.text("No dataset attached yet.", size="2", color=rx.color("gray", 11)),
        ),
        step_error("dataset", "datasets"),
        rx.box(
            text_field(
                "dataset",
                "train_split_percent",
                "Train split (%)",
                numeric=True,
                hint="The rest is held out for validation. Usual: 50-95 %.",
            ),
            max_width="20em",
        ),
        spacing="3",
        width="100%",
    )


def deploy_body() -> rx.Component:
    target = StepDataState.forms["deploy"]["target"].to(str)
    return rx.vstack(
        choice_field("deploy", "target", "Where to run", TARGETS),
        rx.match(
            target,
            (
                "local",
                _grid(
                    text_field(
                        "deploy",
                        "output_dir",
                        "Output folder",
                        hint="Created if missing; must be writable.",
                    ),
                    text_field(
                        "deploy", "num_gpus", "GPUs", numeric=True, hint="0 trains on the CPU."
                    ),
                ),
            ),
            (
                "hf_space",
                _grid(
                    text_field("deploy", "space_name", "Space name", placeholder="owner/name"),
                    select_field("deploy", "space_flavor", "Hardware", _flavor_options("hf_space")),
                ),
            ),
            (
                "hf_job",
                _grid(
                    select_field("deploy", "job_flavor", "Hardware", _flavor_options("hf_job")),
                    text_field("deploy", "timeout_minutes", "Timeout (minutes)", numeric=True),
                ),
            ),
            rx.fragment(),
        ),
        spacing="4",
        width="100%",
    )


STEP_BODIES = {
    "model": model_body,
    "config": config_body,
    "dataset": dataset_body,
    "deploy": deploy_body,
}
