import pytest

from trainpkg_app.core.memory import check_fit, estimate_memory, hidden_times_layers
from trainpkg_app.core.presets import PRESETS, apply_preset
from trainpkg_app.core.validation import validate_step
from trainpkg_app.core.workflow import StepId

SEVEN_B = 7_000_000_000


def test_hidden_times_layers_is_close_to_real_models():
    # Llama-2-7B: h 4096 x L 32 = 131,072; Qwen2.5-0.5B: 896 x 24 = 21,504
    assert hidden_times_layers(6_738_415_616) == pytest.approx(131_072, rel=0.2)
    assert hidden_times_layers(494_032_768) == pytest.approx(21_504, rel=0.25)


def test_full_fine_tune_of_7b_needs_16_bytes_a_parameter_before_activations():
    estimate = estimate_memory(
        parameters=SEVEN_B,
        method="full",
        precision="bf16",
        optimizer="adamw_torch",
        batch_size=1,
        seq_length=512,
        gradient_checkpointing=True,
    )
    assert estimate.weights_gb == 14.0
    assert estimate.training_gb == 98.0  # 7e9 x (2 grad + 8 adam + 4 master)
    assert estimate.total_gb == pytest.approx(14 + 98 + 1 + estimate.activations_gb, abs=0.02)


def test_qlora_of_7b_is_small():
    estimate = estimate_memory(
        parameters=SEVEN_B,
        method="qlora",
        precision="bf16",
        optimizer="adamw_torch",
        batch_size=4,
        seq_length=1024,
        gradient_checkpointing=True,
        lora_r=16,
    )
    assert estimate.weights_gb == 3.5  # 0.5 byte per weight
    assert estimate.trainable_parameters == 35_000_000
    assert estimate.training_gb == 0.49  # 35e6 x 14 B
    assert estimate.activations_gb == pytest.approx(
        4 * 1024 * hidden_times_layers(SEVEN_B) * 2 / 1e9, abs=0.01
    )


def test_gradient_checkpointing_shrinks_activations_17_times():
    common = dict(
        parameters=SEVEN_B,
        method="lora",
        precision="bf16",
        optimizer="adamw_torch",
        batch_size=4,
        seq_length=2048,
    )
    with_ckpt = estimate_memory(**common, gradient_checkpointing=True).activations_gb
    without = estimate_memory(**common, gradient_checkpointing=False).activations_gb
    assert without / with_ckpt == pytest.approx(17, rel=0.01)


@pytest.mark.parametrize(
    ("total", "memory", "verdict"),
    [
        (10, 24, "fits"),
        (20.4, 24, "fits"),
        (21, 24, "tight"),
        (24, 24, "tight"),
        (25, 24, "won't fit"),
        (5, None, "unknown"),
    ],
)
def test_fit_verdicts(total, memory, verdict):
    assert check_fit(total, memory, "A10G").verdict == verdict


def test_fit_message_shows_the_numbers():
    assert check_fit(30, 24, "1x A10G").message.startswith(
        "Won't fit: 30.0 GB of 24 GB on 1x A10G."
    )


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_is_a_valid_config(preset):
    assert validate_step(StepId.CONFIG, apply_preset({}, preset)).ok


def test_a_preset_keeps_fields_it_does_not_name_and_stays_editable():
    form = apply_preset({"seed": "7", "lora_r": "4"}, "quality")
    assert form["seed"] == "7" and form["lora_r"] == "64"
    form["lora_r"] = "32"
    assert validate_step(StepId.CONFIG, form).data.config.lora_r == 32


def test_yaml_preview_names_the_effective_arguments():
    from trainpkg_app.core.training_args import training_arguments, training_yaml

    config = validate_step(
        StepId.CONFIG, apply_preset({}, "quick_test") | {"method": "qlora"}
    ).data.config
    args = training_arguments(config)
    assert args["sft"]["max_steps"] == 20 and args["sft"]["bf16"] is True
    assert args["lora"]["target_modules"] == "all-linear"
    assert args["quantization"]["bnb_4bit_quant_type"] == "nf4"
    assert training_yaml(config).startswith("sft:\n  learning_rate: 0.0002\n")


def test_full_fine_tune_has_no_adapter_section():
    from trainpkg_app.core.training_args import training_arguments

    config = validate_step(StepId.CONFIG, {"method": "full"}).data.config
    assert set(training_arguments(config)) == {"sft", "model"}


def test_target_modules_are_comma_separated_text_in_the_form():
    config = validate_step(
        StepId.CONFIG, {"method": "lora", "lora_target_modules": "q_proj, v_proj"}
    ).data.config
    assert config.lora_target_modules == ["q_proj", "v_proj"]
    empty = validate_step(StepId.CONFIG, {"method": "lora", "lora_target_modules": " , "})
    assert empty.errors == {"lora_target_modules": "Enter at least one."}


def test_memory_fit_checks_the_chosen_flavor():
    from trainpkg_app.core.forms import default_forms
    from trainpkg_app.core.insights import memory_fit

    forms = default_forms()
    assert memory_fit(forms) == {}
    forms["model"]["parameters"] = str(SEVEN_B)
    forms["config"] |= {"method": "full"}
    forms["deploy"] |= {"target": "hf_space", "space_flavor": "a10g-small"}
    fit = memory_fit(forms)
    assert fit["verdict"] == "won't fit"
    assert "of 24 GB on Nvidia A10G small" in fit["message"]
    forms["config"] |= {"method": "qlora", "per_device_batch_size": "1"}
    assert memory_fit(forms)["verdict"] == "fits"
    forms["deploy"] |= {"target": "local", "gpu_memory_gb": ""}
    assert memory_fit(forms)["verdict"] == "unknown"
