"""How a run trains: cadence, warmup, precision per hardware, throughput switches, launch."""

import pytest

from trainpkg_app.core.cadence import cadence, planned_evaluations, steps_between, warmup_arguments
from trainpkg_app.core.hardware import Hardware, hardware_for, launch_command
from trainpkg_app.core.precision import effective_precision
from trainpkg_app.core.training_args import training_arguments
from trainpkg_app.core.validation import validate_step
from trainpkg_app.core.workflow import StepId


def config_of(**fields):
    result = validate_step(StepId.CONFIG, {"method": "lora"} | fields)
    assert result.ok, result.errors
    return result.data.config


@pytest.mark.parametrize("total", [24, 100, 250, 1000, 12_345])
def test_a_run_evaluates_10_to_20_times_whatever_its_length(total):
    assert 10 <= planned_evaluations(total) <= 20


def test_the_intervals_are_what_transformers_derives_from_the_ratio():
    # transformers: ceil(max_steps x ratio) when the ratio is below 1 (DefaultFlowCallback)
    assert steps_between(1000, 12) == 84  # ceil(1000 x 0.0833)
    assert planned_evaluations(1000) == 11
    assert steps_between(6, 50) == 1  # short runs log every step
    assert steps_between(1000, 50) == 20  # long ones every 20, not every step


def test_checkpoints_follow_the_evaluation_and_the_best_is_kept():
    args = cadence("steps", "no", 2)
    assert args["eval_steps"] == args["save_steps"] == 0.0833
    assert args["save_strategy"] == "steps"  # aligned with eval, whatever was asked
    assert args["load_best_model_at_end"] is True
    assert args["metric_for_best_model"] == "eval_loss" and args["greater_is_better"] is False
    assert args["save_total_limit"] == 2 and args["logging_steps"] == 0.02


def test_without_evaluation_no_best_model_is_loaded():
    args = cadence("no", "epoch", 3)
    assert args["save_strategy"] == "epoch" and "load_best_model_at_end" not in args
    assert "eval_steps" not in args and "save_steps" not in args


def test_the_sft_arguments_carry_the_cadence_and_validate_in_transformers():
    from transformers import TrainingArguments

    sft = training_arguments(config_of())["sft"]
    assert sft["eval_strategy"] == "steps" and sft["save_total_limit"] == 2
    keep = {k: v for k, v in sft.items() if k in TrainingArguments.__dataclass_fields__}
    keep |= {"bf16": False, "fp16": False, "use_cpu": True}
    args = TrainingArguments(output_dir="/tmp/unused", report_to="none", **keep)
    assert args.load_best_model_at_end and args.eval_steps == args.save_steps


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("5.24.0", {"warmup_steps": 0.03}),
        ("5.15.0", {"warmup_steps": 0.03}),
        ("5.14.2", {"warmup_ratio": 0.03}),
        ("4.57.1", {"warmup_ratio": 0.03}),
    ],
)
def test_warmup_is_named_as_the_pinned_transformers_names_it(version, expected):
    assert warmup_arguments(0.03, version) == expected


def test_the_package_maps_warmup_for_the_locked_transformers():
    sft = training_arguments(config_of(warmup_ratio="0.1"))["sft"]
    assert sft["warmup_steps"] == 0.1 and "warmup_ratio" not in sft


@pytest.mark.parametrize(
    ("requested", "gpu", "known", "expected"),
    [
        ("bf16", "A100", True, "bf16"),
        ("bf16", "L4", True, "bf16"),
        ("bf16", "T4", True, "fp16"),
        ("bf16", "V100", True, "fp16"),
        ("fp16", "A10G", True, "fp16"),
        ("bf16", None, True, "fp32"),  # a CPU
        ("bf16", None, False, "bf16"),  # this machine's GPU: train.py checks at start-up
    ],
)
def test_precision_matches_the_hardware(requested, gpu, known, expected):
    assert effective_precision(requested, gpu, known) == expected


def test_both_precision_flags_are_always_written():
    t4 = hardware_for({"target": "hf_job", "job_flavor": "t4-small"})
    cpu = hardware_for({"target": "hf_space", "space_flavor": "cpu-upgrade"})
    args = training_arguments(config_of(method="qlora"), t4)
    assert (args["sft"]["bf16"], args["sft"]["fp16"]) == (False, True)
    assert args["quantization"]["bnb_4bit_compute_dtype"] == "float16"
    cpu_sft = training_arguments(config_of(), cpu)["sft"]
    assert (cpu_sft["bf16"], cpu_sft["fp16"]) == (False, False)


def test_packing_is_padding_free_with_bfd_and_names_the_attention():
    args = training_arguments(config_of(packing="true", attn_implementation="eager"))
    assert args["sft"]["packing"] is True and args["sft"]["packing_strategy"] == "bfd"
    assert args["sft"]["padding_free"] is True
    assert args["model"] == {"attn_implementation": "eager"}
    assert training_arguments(config_of())["sft"]["padding_free"] is False


def test_packing_that_lets_rows_attend_to_each_other_is_refused_on_its_field():
    result = validate_step(
        StepId.CONFIG, {"method": "lora", "packing": "true", "packing_strategy": "wrapped"}
    )
    assert set(result.errors) == {"packing_strategy"}
    assert "attend to each other" in result.errors["packing_strategy"]
    assert validate_step(  # without packing the strategy is not used
        StepId.CONFIG, {"method": "lora", "packing": "false", "packing_strategy": "wrapped"}
    ).ok


def test_fsdp_is_for_full_fine_tunes():
    refused = validate_step(StepId.CONFIG, {"method": "lora", "fsdp": "true"})
    assert set(refused.errors) == {"fsdp"}
    sft = training_arguments(config_of(method="full", fsdp="true"))["sft"]
    assert sft["fsdp"] is True and sft["fsdp_config"]["reshard_after_forward"] is True
    assert sft["fsdp_config"]["activation_checkpointing"] is True
    assert sft["gradient_checkpointing"] is False  # FSDP checkpoints activations itself


def test_hardware_of_each_target():
    assert hardware_for({"target": "hf_job", "job_flavor": "h200x4"}) == Hardware(
        gpu="H200", gpus=4, known=True
    )
    assert hardware_for({"target": "local", "num_gpus": "0"}).known is True
    assert hardware_for({"target": "local", "num_gpus": "2"}) == Hardware(
        gpu=None, gpus=2, known=False
    )


def test_several_gpus_launch_through_accelerate():
    assert launch_command(1) == ["python", "train.py"]
    assert launch_command(4) == [
        "python",
        "-m",
        "accelerate.commands.launch",
        "--multi_gpu",
        "--num_processes",
        "4",
        "train.py",
    ]


def test_a_one_gpu_run_sees_one_gpu_unless_the_user_chose():
    from trainpkg_app.deploy.local import launch_env

    assert launch_env(1, {"HOME": "/h"})["CUDA_VISIBLE_DEVICES"] == "0"  # no DataParallel
    assert launch_env(1, {"CUDA_VISIBLE_DEVICES": "3"})["CUDA_VISIBLE_DEVICES"] == "3"
    assert "CUDA_VISIBLE_DEVICES" not in launch_env(4, {"HOME": "/h"})  # one GPU a rank
