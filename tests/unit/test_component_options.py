"""The components' option lists are the values that the core's step models accept: a value added
to (or removed from) a Literal in core/step_data.py must show up in (or leave) the UI."""

from typing import get_args

import pytest

from trainpkg_app.components import config_advanced, config_step, dataset_inspection, deploy_step
from trainpkg_app.components.wizard import STEP_BODIES
from trainpkg_app.core import vocabulary
from trainpkg_app.core.chat_format import CHOICE_LABELS
from trainpkg_app.core.dataset_stats import TokenStats
from trainpkg_app.core.hardware import catalog
from trainpkg_app.core.step_data import DatasetStep, DeployStep, TrainingConfig
from trainpkg_app.core.throughput import ATTENTION_LABELS, PACKING_LABELS
from trainpkg_app.core.validation import validate_step
from trainpkg_app.core.workflow import STEPS, StepId


def accepted(model, field: str) -> tuple[str, ...]:
    """The values of the Literal that pydantic validates ``model.field`` with."""
    return get_args(model.model_fields[field].annotation)


def deploy_targets() -> tuple[str, ...]:
    """The discriminator values of the deploy step's union of target models."""
    union = get_args(DeployStep.model_fields["deploy"].annotation)
    return tuple(value for target in union for value in accepted(target, "target"))


CONFIG_OPTIONS = [
    (config_step.METHODS, "method", vocabulary.METHOD_LABELS),
    (config_step.TRAIN_ON, "train_on", vocabulary.TRAIN_ON_LABELS),
    (config_advanced.SCHEDULERS, "lr_scheduler", vocabulary.SCHEDULER_LABELS),
    (config_advanced.OPTIMIZERS, "optimizer", vocabulary.OPTIMIZER_LABELS),
    (config_advanced.EVAL_STRATEGIES, "eval_strategy", vocabulary.STRATEGY_LABELS),
    (config_advanced.SAVE_STRATEGIES, "save_strategy", vocabulary.STRATEGY_LABELS),
    (config_advanced.ATTENTIONS, "attn_implementation", ATTENTION_LABELS),
    (config_advanced.PACKINGS, "packing_strategy", PACKING_LABELS),
    (config_advanced.QUANT_TYPES, "qlora_quant_type", vocabulary.QUANT_TYPE_LABELS),
    (config_advanced.DOCTOR_MODES, "doctor", vocabulary.DOCTOR_LABELS),
]


def labelled(value: str, label: str | tuple[str, str]) -> tuple[str, ...]:
    return (value, *label) if isinstance(label, tuple) else (value, label)


@pytest.mark.parametrize(
    ("shown", "field", "labels"), [pytest.param(*case, id=case[1]) for case in CONFIG_OPTIONS]
)
def test_config_options_are_what_training_config_accepts(shown, field, labels):
    values = accepted(TrainingConfig, field)
    assert [option[0] for option in shown] == list(values)
    assert set(labels) == set(values), f"{field}: a value without a label, or a stale label"
    assert shown == [labelled(value, labels[value]) for value in values]


def test_precisions_are_what_training_config_accepts():
    assert [value for value, _ in config_advanced.PRECISIONS] == list(
        accepted(TrainingConfig, "precision")
    )


def test_chat_templates_are_what_the_dataset_step_accepts():
    values = accepted(DatasetStep, "chat_template")
    assert [value for value, _ in dataset_inspection.TEMPLATES] == list(values)
    assert set(CHOICE_LABELS) == set(values)


def test_targets_are_what_the_deploy_step_accepts_each_with_its_fields():
    assert [value for value, _, _ in deploy_step.TARGETS] == list(deploy_targets())
    assert set(vocabulary.TARGET_LABELS) == set(deploy_targets())
    assert set(deploy_step.TARGET_FIELDS) == set(deploy_targets())


@pytest.mark.parametrize(
    ("target", "field", "extra"),
    [
        ("hf_space", "space_flavor", {"space_name": "me/space"}),
        ("hf_job", "job_flavor", {"timeout_minutes": "30"}),
    ],
)
def test_flavor_options_are_the_catalog_flavors_the_target_accepts(target, field, extra):
    def valid(flavor_id: str) -> bool:
        form = {"target": target, field: flavor_id, **extra}
        return field not in validate_step(StepId.DEPLOY, form).errors

    shown = [flavor_id for flavor_id, _ in deploy_step._flavor_options(target)]
    assert shown, "a Hub target with no hardware to choose"
    assert shown == [flavor.id for flavor in catalog() if valid(flavor.id)]


def test_stat_rows_are_token_stats_fields():
    assert {key for key, _ in dataset_inspection.STAT_LABELS} <= set(TokenStats.model_fields)


def test_every_step_has_a_body():
    assert set(STEP_BODIES) == set(STEPS)
