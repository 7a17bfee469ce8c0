"""Reading a Job: its log protocol and its stages."""

from trainpkg_app.deploy import hf_job


def test_logs_split_into_metrics_summary_and_plain_lines():
    metrics, summary, other = hf_job.parse_logs(
        [
            "Downloading package",
            'TRAINPKG_METRICS {"step": 1, "loss": 2.0}',
            'TRAINPKG_METRICS {"step": 2, "loss": 1.5}',
            'TRAINPKG_SUMMARY {"status": "completed"}',
        ]
    )
    assert metrics == [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}]
    assert summary == {"status": "completed"}
    assert other == ["Downloading package"]


def test_marks_match_the_runner():
    from trainpkg_app.package.builder import TRAIN_SCRIPT

    marks = f'METRICS_MARK, SUMMARY_MARK = "{hf_job.METRICS_MARK}", "{hf_job.SUMMARY_MARK}"'
    assert marks in TRAIN_SCRIPT.read_text()


def test_stage_mapping():
    assert hf_job.status_for("SCHEDULING", "", None) == ("pending", "")
    assert hf_job.status_for("RUNNING", "", None) == ("running", "")
    assert hf_job.status_for("COMPLETED", "", {"status": "completed"}) == ("completed", "")
    assert hf_job.status_for("COMPLETED", "", {"status": "failed", "error": "OOM"}) == (
        "failed",
        "OOM",
    )
    assert "without a training summary" in hf_job.status_for("COMPLETED", "", None)[1]
    assert hf_job.status_for("CANCELED", "", None)[0] == "cancelled"
    status, error = hf_job.status_for("ERROR", "Image pull failed", None)
    assert status == "failed" and "Image pull failed" in error
    assert hf_job.status_for("DELETED", "", None)[0] == "failed"


def test_the_job_command_fetches_the_package_and_trains():
    (shell, flag, script) = hf_job.command_for("me/pkg-v1-job")
    assert (shell, flag) == ("bash", "-c")
    assert "hf download me/pkg-v1-job --include 'package/*'" in script
    assert script.endswith("pip install -q -r requirements.txt && python train.py")


def test_a_cpu_job_takes_the_cpu_build_of_torch_first():
    script = hf_job.command_for("me/pkg-v1-job", "cpu")[-1]
    assert "--index-url https://download.pytorch.org/whl/cpu torch==" in script
    assert script.index("whl/cpu") < script.index("-r requirements.txt")
    assert "whl/cpu" not in hf_job.command_for("me/pkg-v1-job", "cuda")[-1]


def test_a_multi_gpu_job_trains_through_accelerate_with_one_process_a_gpu():
    script = hf_job.command_for("me/pkg-v1-job", "cuda", gpus=4)[-1]
    assert script.endswith(
        "&& python -m accelerate.commands.launch --multi_gpu --num_processes 4 train.py"
    )
