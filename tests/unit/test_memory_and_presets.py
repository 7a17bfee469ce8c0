import pytest

from trainpkg_app.core.memory import check_fit, estimate_memory, hidden_times_layers
from trainpkg_app.core.model_shape import ModelShape, shape_from_config
from trainpkg_app.core.presets import PRESETS, apply_preset
from trainpkg_app.core.validation import validate_step
from trainpkg_app.core.workflow import StepId

SEVEN_B = 7_000_000_000


def test_hidden_times_layers_is_close_to_real_models():
    # Llama-2-7B: h 4096 x L 32 = 131,072; Qwen2.5-0.5B: 896 x 24 = 21,504
    assert hidden_times_layers(6_738_415_616) == pytest.approx(131_072, rel=0.2)
    assert hidden_times_layers(494_032_768) == pytest.approx(21_504, rel=0.25)


LLAMA_7B = ModelShape(layers=32, hidden=4096, heads=32, vocab=32_000)
QLORA_7B = dict(
    parameters=SEVEN_B,
    method="qlora",
    precision="bf16",
    optimizer="adamw_torch",
    batch_size=4,
    seq_length=1024,
    gradient_checkpointing=True,
    lora_r=16,
    shape=LLAMA_7B,
)


def test_full_fine_tune_of_7b_needs_16_bytes_a_parameter_before_activations():
    estimate = estimate_memory(**QLORA_7B | {"method": "full", "batch_size": 1, "seq_length": 512})
    assert estimate.weights_gb == 14.0
    assert estimate.training_gb == 98.0  # 7e9 x (2 grad + 8 adam + 4 master)
    assert estimate.total_gb == pytest.approx(
        14 + 98 + 1 + estimate.activations_gb + estimate.logits_gb, abs=0.02
    )


def test_qlora_of_7b_in_its_parts():
    estimate = estimate_memory(**QLORA_7B)
    assert estimate.weights_gb == 3.5  # 0.5 byte per weight
    assert estimate.trainable_parameters == 35_000_000
    assert estimate.training_gb == 0.49  # 35e6 x 14 B
    # 4 x 1024 tokens x h 4096 x (2 x 32 layer inputs + 34 for the recomputed layer) B
    assert estimate.activations_gb == round(4 * 1024 * 4096 * 98 / 1e9, 2) == 1.64
    # 4 x 1024 tokens x vocab 32,000 x 10 B
    assert estimate.logits_gb == round(4 * 1024 * 32_000 * 10 / 1e9, 2) == 1.31
    assert estimate.total_gb == round(3.5 + 0.49 + 1.6442 + 1.3107 + 1, 2)
    assert estimate.parts == (
        "weights 3.5 GB · gradients and optimizer 0.5 GB · activations 1.6 GB · "
        "logits 1.3 GB · overhead 1.0 GB"
    )
    assert "Shape (config.json): 32 layers, hidden 4,096, 32 heads, vocab 32,000" in (
        estimate.formula
    )


def test_liger_skips_the_logits_and_eager_attention_holds_its_scores():
    assert estimate_memory(**QLORA_7B, liger=True).logits_gb == 0
    eager = estimate_memory(**QLORA_7B, eager_attention=True)
    scores = 5 * 32 * 1024 * 1024 * 4  # 5 x heads x s^2 x b, the recomputed layer only
    assert eager.activations_gb == round((4 * 1024 * 4096 * 98 + scores) / 1e9, 2)


def test_gradient_checkpointing_keeps_each_layers_input_and_one_layer():
    common = QLORA_7B | {"method": "lora", "seq_length": 2048}
    with_ckpt = estimate_memory(**common).activations_gb
    without = estimate_memory(**common | {"gradient_checkpointing": False}).activations_gb
    assert without / with_ckpt == pytest.approx(34 * 32 / (2 * 32 + 34), rel=0.01)


def test_fsdp_shards_the_weights_and_training_state():
    full = QLORA_7B | {"method": "full"}
    one, four = estimate_memory(**full), estimate_memory(**full, fsdp_gpus=4)
    assert four.weights_gb == one.weights_gb / 4 and four.training_gb == one.training_gb / 4


def test_a_mixture_of_experts_counts_its_active_parameters():
    mixtral = shape_from_config(
        {
            "num_hidden_layers": 32,
            "hidden_size": 4096,
            "num_attention_heads": 32,
            "vocab_size": 32_000,
            "num_local_experts": 8,
            "num_experts_per_tok": 2,
            "intermediate_size": 14_336,
        }
    )
    total = 46_702_792_704
    # 6 idle experts x 32 layers x 3 projections x 4096 x 14336
    assert mixtral.active_parameters(total) == total - 6 * 32 * 3 * 4096 * 14_336
    assert mixtral.active_parameters(total) == 12_879_925_248  # Mixtral's ~12.9B active
    estimate = estimate_memory(**QLORA_7B | {"parameters": total, "shape": mixtral})
    assert estimate.weights_gb == round(total * 0.5 / 1e9, 2)  # every expert is resident
    assert "12,879,925,248 active parameters" in estimate.formula


def test_shapes_are_read_from_each_familys_config():
    gpt2 = {"n_layer": 2, "n_embd": 64, "n_head": 2, "vocab_size": 300, "n_positions": 128}
    assert shape_from_config(gpt2) == ModelShape(layers=2, hidden=64, heads=2, vocab=300)
    llava = {
        "text_config": {
            "num_hidden_layers": 4,
            "hidden_size": 8,
            "num_attention_heads": 2,
            "vocab_size": 10,
        }
    }
    assert shape_from_config(llava).layers == 4
    assert shape_from_config({"hidden_size": 8}) is None


def test_without_a_config_the_shape_is_estimated_and_said_so():
    estimate = estimate_memory(**QLORA_7B | {"shape": None})
    assert "estimated from the parameter count" in estimate.formula
    assert "vocab 32,000" in estimate.formula


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


def test_the_config_step_shows_the_parts_from_the_models_shape():
    import json

    from trainpkg_app.core.forms import default_forms
    from trainpkg_app.core.insights import memory_fit

    forms = default_forms()
    forms["model"] |= {"parameters": str(SEVEN_B), "shape": json.dumps(LLAMA_7B.model_dump())}
    forms["config"] |= {"method": "qlora", "max_seq_length": "1024"}
    fit = memory_fit(forms)
    assert fit["parts"].startswith("weights 3.5 GB · gradients and optimizer 0.5 GB")
    assert "Shape (config.json)" in fit["formula"]
    forms["config"] |= {"use_liger_kernel": "true"}
    assert "logits 0.0 GB" in memory_fit(forms)["parts"]
