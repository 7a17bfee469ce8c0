"""What a package installs and where it runs: the project's lock, never this machine's wheels."""

import pytest
from huggingface_hub import JobHardware, SpaceHardware
from packaging.requirements import Requirement
from packaging.version import Version

from trainpkg_app.core.hardware import flavors_for
from trainpkg_app.package import environment

IMAGE = "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-devel"
RUNTIMES = ["local", "cpu", "cuda"]
METHODS = ["lora", "qlora", "full"]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("method", METHODS)
def test_every_pin_is_a_plain_released_version(runtime, method):
    lines = environment.requirements(runtime, method, IMAGE).splitlines()
    pinned = [line for line in lines if line and not line.startswith("#")]
    assert pinned, "no requirement at all"
    for line in pinned:
        requirement = Requirement(line)  # refuses options (-f, --index-url) and bare paths
        assert requirement.url is None, line
        (specifier,) = requirement.specifier
        version = Version(specifier.version)
        assert specifier.operator == "==", line
        assert version.local is None and not version.is_prerelease, line
        assert str(version) == specifier.version, line  # canonical, e.g. no "v1.0"


def test_torch_comes_from_the_index_or_the_cpu_index_or_the_cuda_image():
    names = {r: environment.pins(r, "lora") for r in RUNTIMES}
    assert "torch" in names["local"] and "torch" in names["cpu"]
    assert "torch" not in names["cuda"]  # the image's CUDA build stays; no multi-GB reinstall
    assert "bitsandbytes" in environment.pins("cuda", "qlora")
    assert "bitsandbytes" not in names["cuda"]
    cpu = environment.dockerfile("cpu", IMAGE)
    assert cpu.startswith("FROM python:3.11-slim\n")
    assert "--index-url https://download.pytorch.org/whl/cpu torch==2.13.0" in cpu
    cuda = environment.dockerfile("cuda", IMAGE)
    assert cuda.startswith(f"FROM {IMAGE}\n") and "torch" not in cuda.split("\n", 2)[2]


@pytest.mark.parametrize("runtime", ["cpu", "cuda"])
def test_the_dockerfile_follows_the_docker_spaces_conventions(runtime):
    lines = environment.dockerfile(runtime, IMAGE).splitlines()
    assert "RUN useradd -m -u 1000 user" in lines
    assert lines.index("USER user") < lines.index(
        "RUN pip install --no-cache-dir --user -r requirements.txt"
    )
    assert "ENV HOME=/home/user PATH=/home/user/.local/bin:$PATH" in lines
    assert "COPY --chown=user . $HOME/app" in lines
    assert "EXPOSE 7860" in lines


def test_the_runtime_follows_the_flavor():
    assert environment.runtime_for({"target": "local"}) == "local"
    assert environment.runtime_for({"target": "hf_space", "space_flavor": "cpu-upgrade"}) == "cpu"
    assert environment.runtime_for({"target": "hf_space", "space_flavor": "t4-small"}) == "cuda"
    assert environment.runtime_for({"target": "hf_job", "job_flavor": "h200"}) == "cuda"
    assert environment.runtime_for({"target": "hf_job", "job_flavor": "cpu-basic"}) == "cpu"


def test_flavors_are_the_official_lists_of_spaces_and_of_jobs():
    spaces = {flavor.id for flavor in flavors_for("hf_space")}
    jobs = {flavor.id for flavor in flavors_for("hf_job")}
    assert spaces <= {hardware.value for hardware in SpaceHardware}
    assert jobs <= {hardware.value for hardware in JobHardware}
    assert not any(flavor.startswith(("h100", "h200")) for flavor in spaces)
    assert {"h200", "h200x8"} <= jobs and {"t4-small", "a100-large", "l40sx1"} <= spaces


def test_the_torch_of_an_official_pytorch_image_is_read_from_its_tag():
    assert environment.image_torch(IMAGE) == "2.6.0"
    assert environment.image_torch("huggingface/trl:latest") is None
    record = environment.environment_record("cuda", "lora", IMAGE)
    assert record["torch"] == "torch==2.6.0 in the image" and record["image"] == IMAGE


def test_a_multi_gpu_space_trains_through_accelerate():
    assert environment.dockerfile("cuda", IMAGE).splitlines()[-1] == 'CMD ["python", "train.py"]'
    assert environment.dockerfile("cuda", IMAGE, gpus=4).splitlines()[-1] == (
        'CMD ["python", "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", '
        '"4", "train.py"]'
    )


def test_liger_kernels_are_installed_on_a_gpu_only():
    assert "liger-kernel" in environment.pins("cuda", "lora", liger=True)
    assert "liger-kernel" not in environment.pins("cpu", "lora", liger=True)
    assert "liger-kernel" not in environment.pins("cuda", "lora")
    assert "liger-kernel==0.8.5" in environment.requirements("cuda", "lora", IMAGE, liger=True)
