import pytest

from trainpkg_app.core.step_data import PackageName
from trainpkg_app.core.summaries import summarize
from trainpkg_app.core.validation import parse, validate_step
from trainpkg_app.core.workflow import StepId

LORA = {"method": "lora"}
ONE_DATASET = [{"dataset_id": "tatsu-lab/alpaca"}]


# --- model -------------------------------------------------------------------


def test_model_is_required():
    result = validate_step(StepId.MODEL, {})
    assert not result.ok
    assert result.errors == {
        "model_id": "Choose a model: enter a Hub id such as Qwen/Qwen2.5-0.5B."
    }


@pytest.mark.parametrize("bad_id", ["has space/x", "a--b/c", "-lead/x", "x" * 97])
def test_model_id_must_be_a_hub_id(bad_id):
    assert (
        "Not a valid Hub id" in validate_step(StepId.MODEL, {"model_id": bad_id}).errors["model_id"]
    )


def test_model_size_must_be_a_number():
    assert validate_step(StepId.MODEL, {"model_id": "o/m", "size_gb": "big"}).errors == {
        "size_gb": "Enter a number."
    }


@pytest.mark.parametrize(("size", "warned"), [("9.99", False), ("10", False), ("10.01", True)])
def test_model_over_10_gb_warns_without_blocking(size, warned):
    result = validate_step(StepId.MODEL, {"model_id": "o/m", "size_gb": size})
    assert result.ok
    assert ("size_gb" in result.warnings) is warned
    if warned:
        assert result.warnings["size_gb"].startswith("This model is 10.0 GB on disk, over 10 GB")


# --- config ------------------------------------------------------------------


def test_config_needs_a_method():
    assert validate_step(StepId.CONFIG, {}).errors == {
        "method": "Choose a training method: full, LoRA or QLoRA."
    }


def test_defaults_make_a_valid_config():
    result = validate_step(StepId.CONFIG, LORA)
    assert result.ok
    assert result.data.config.lora_r == 16


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("learning_rate", "0", "Must be greater than 0."),
        ("learning_rate", "-1e-4", "Must be greater than 0."),
        ("learning_rate", "abc", "Enter a number."),
        ("num_epochs", "0", "Must be at least 1."),
        ("num_epochs", "1.5", "Enter a whole number."),
        ("per_device_batch_size", "0", "Must be at least 1."),
        ("gradient_accumulation_steps", "0", "Must be at least 1."),
        ("max_seq_length", "16", "Must be at least 32."),
        ("max_seq_length", "200000", "Must be at most 131072."),
        ("warmup_ratio", "0.6", "Must be at most 0.5."),
        ("weight_decay", "-0.1", "Must be at least 0."),
        ("lora_r", "0", "Must be greater than 0."),
        ("lora_alpha", "0", "Must be greater than 0."),
        ("lora_dropout", "1", "Must be less than 1."),
        ("lora_dropout", "-0.1", "Must be at least 0."),
        ("precision", "fp8", "Choose one of 'bf16', 'fp16' or 'fp32'."),
    ],
)
def test_hyperparameters_are_range_checked(field, value, message):
    assert validate_step(StepId.CONFIG, LORA | {field: value}).errors == {field: message}


@pytest.mark.parametrize(
    ("field", "value"),
    [("learning_rate", "1"), ("num_epochs", "1"), ("lora_dropout", "0"), ("warmup_ratio", "0.5")],
)
def test_boundary_values_are_accepted(field, value):
    assert validate_step(StepId.CONFIG, LORA | {field: value}).ok


def test_lora_fields_do_not_block_a_full_fine_tune():
    assert validate_step(StepId.CONFIG, {"method": "full", "lora_r": "0"}).ok


def test_every_error_of_a_form_is_reported_at_once():
    errors = validate_step(StepId.CONFIG, LORA | {"learning_rate": "0", "lora_r": "-1"}).errors
    assert set(errors) == {"learning_rate", "lora_r"}


# --- dataset -----------------------------------------------------------------


def test_at_least_one_dataset():
    assert validate_step(StepId.DATASET, {"datasets": []}).errors == {
        "datasets": "Add at least one dataset."
    }


@pytest.mark.parametrize(
    ("percent", "warned"),
    [("49.9", True), ("50", False), ("80", False), ("95", False), ("95.1", True), ("100", True)],
)
def test_split_outside_50_to_95_warns_without_blocking(percent, warned):
    result = validate_step(
        StepId.DATASET, {"datasets": ONE_DATASET, "train_split_percent": percent}
    )
    assert result.ok
    assert ("train_split_percent" in result.warnings) is warned


@pytest.mark.parametrize("percent", ["0", "-5", "100.5"])
def test_split_must_be_a_percentage(percent):
    result = validate_step(
        StepId.DATASET, {"datasets": ONE_DATASET, "train_split_percent": percent}
    )
    assert "train_split_percent" in result.errors


# --- deploy ------------------------------------------------------------------


def test_deploy_needs_a_target():
    assert validate_step(StepId.DEPLOY, {}).errors == {"target": "Choose where the training runs."}


def test_local_needs_a_writable_folder_and_a_gpu_count(tmp_path):
    assert validate_step(
        StepId.DEPLOY, {"target": "local", "output_dir": str(tmp_path / "runs"), "num_gpus": "1"}
    ).ok
    missing = validate_step(StepId.DEPLOY, {"target": "local"}).errors
    assert set(missing) == {"output_dir", "num_gpus"}


def test_local_output_under_a_file_is_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    errors = validate_step(
        StepId.DEPLOY, {"target": "local", "output_dir": str(blocker / "out"), "num_gpus": "0"}
    ).errors
    assert errors == {"output_dir": f"{blocker} exists and is not a folder."}


def test_local_gpu_count_cannot_be_negative(tmp_path):
    errors = validate_step(
        StepId.DEPLOY, {"target": "local", "output_dir": str(tmp_path), "num_gpus": "-1"}
    ).errors
    assert errors == {"num_gpus": "Must be at least 0."}


def test_space_needs_a_valid_name_and_a_catalog_flavor():
    ok = {"target": "hf_space", "space_name": "me/my-trainer", "space_flavor": "a10g-small"}
    assert validate_step(StepId.DEPLOY, ok).ok
    errors = validate_step(
        StepId.DEPLOY, ok | {"space_name": "me/bad--name", "space_flavor": "h200"}
    ).errors
    assert "Not a valid Hub id" in errors["space_name"]
    assert (
        errors["space_flavor"] == "Choose a hardware flavor from the catalog ('h200' is not one)."
    )


def test_job_needs_a_flavor_and_a_timeout():
    ok = {"target": "hf_job", "job_flavor": "h200", "timeout_minutes": "120"}
    assert validate_step(StepId.DEPLOY, ok).ok
    assert set(validate_step(StepId.DEPLOY, {"target": "hf_job"}).errors) == {
        "job_flavor",
        "timeout_minutes",
    }
    assert validate_step(StepId.DEPLOY, ok | {"timeout_minutes": "2"}).errors == {
        "timeout_minutes": "Must be at least 5."
    }


# --- package name and summaries ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ok"), [("My package 1", True), ("", False), ("-x", False), ("a" * 101, False)]
)
def test_package_names(name, ok):
    assert parse(PackageName, {"name": name}).ok is ok


def test_summaries_are_one_line():
    model = validate_step(
        StepId.MODEL, {"model_id": "o/m", "parameters": "494000000", "size_gb": "0.99"}
    )
    assert summarize(model.data) == "o/m · 0.49 B params · 0.99 GB"
    config = validate_step(StepId.CONFIG, LORA)
    assert summarize(config.data) == "LoRA · lr 0.0002 · 3 epochs · batch 4×4 · r 16"
    dataset = validate_step(StepId.DATASET, {"datasets": ONE_DATASET, "train_split_percent": "90"})
    assert summarize(dataset.data) == "tatsu-lab/alpaca · split 90/10"
    job = validate_step(
        StepId.DEPLOY, {"target": "hf_job", "job_flavor": "h200", "timeout_minutes": "60"}
    )
    assert summarize(job.data) == "HF Job · h200 · timeout 60 min"
    assert summarize(None) == ""


def test_warnings_show_even_while_other_fields_have_errors():
    model = validate_step(StepId.MODEL, {"size_gb": "12"})
    assert "model_id" in model.errors
    assert "size_gb" in model.warnings
    dataset = validate_step(StepId.DATASET, {"datasets": [], "train_split_percent": "30"})
    assert "datasets" in dataset.errors
    assert dataset.warnings["train_split_percent"].startswith("A 30 % train split is under 50 %")


def test_no_warning_for_a_value_that_does_not_parse():
    assert (
        validate_step(StepId.DATASET, {"datasets": [], "train_split_percent": "lots"}).warnings
        == {}
    )


def test_parameter_counts_read_naturally():
    from trainpkg_app.core.summaries import human_count

    assert [human_count(n) for n in (494_032_768, 7_000_000_000, 124_000_000, 98_304, 512)] == [
        "0.49 B",
        "7.00 B",
        "124 M",
        "98 K",
        "512",
    ]
