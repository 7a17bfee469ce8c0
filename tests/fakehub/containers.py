"""The containers of the fake Hub, emulated on this machine: a Docker Space (its Dockerfile
checked against the Docker Spaces conventions, then run as uid 1000, as the Hub does) and a
Job (its package downloaded from the repo, then run with the Job's env and secrets, its output
becoming the Job's logs). Installing the requirements is left out: tests/integration/
test_requirements_resolve.py checks that they resolve."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

SPACE_UID = 1000  # hub-docs "Docker Spaces", Permissions: the container runs with user ID 1000
SPACE_HOME = "/home/user"


def dockerfile_problems(dockerfile: str, readme: str) -> list[str]:
    """Why a Docker Space built from these files would not run as uid 1000 ([] when none)."""
    lines = [line.strip() for line in dockerfile.splitlines() if line.strip()[:1] not in "#"]
    problems = []
    if not any(re.search(r"useradd\b.*-u\s*1000\b", line) for line in lines):
        problems.append("no user with uid 1000 (RUN useradd -m -u 1000 user)")
    users = [line.split(None, 1)[1] for line in lines if line.upper().startswith("USER ")]
    if not users or users[-1] in {"root", "0"}:
        problems.append("no USER: the files and HOME would be root's, and uid 1000 cannot write")
    after_user = lines[lines.index(f"USER {users[-1]}") :] if users else lines
    if any(line.startswith("COPY ") and "--chown" not in line for line in after_user):
        problems.append("COPY without --chown: the copied files stay root's")
    front = readme.split("---")[1] if readme.startswith("---") else ""
    if not re.search(r"^sdk:\s*docker\s*$", front, re.M):
        problems.append("README front matter lacks sdk: docker")
    if not re.search(r"^app_port:\s*\d+\s*$", front, re.M):
        problems.append("README front matter lacks app_port")
    return problems


def dockerfile_env(dockerfile: str, home: Path) -> dict[str, str]:
    """The ENV lines (KEY=value ...), with the user's home mapped onto ``home``."""
    env = {}
    for line in dockerfile.splitlines():
        if line.startswith("ENV "):
            for pair in line[4:].split():
                key, _, value = pair.partition("=")
                env[key] = value.replace(SPACE_HOME, str(home))
    env.pop("PATH", None)  # this machine's PATH finds the interpreter
    return env


def _run(command: list[str], kill_when, timeout: float, **options) -> subprocess.CompletedProcess:
    """Run the container's process to its end, or SIGKILL it as soon as ``kill_when()`` holds
    (the machine under it is lost: nothing is saved on the way out). Output goes to files, so
    that a chatty process never blocks on a full pipe."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, **options)
        deadline = time.monotonic() + timeout
        while process.poll() is None:
            if (kill_when is not None and kill_when()) or time.monotonic() > deadline:
                process.kill()
                process.wait()
                if time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(command, timeout)
                break
            time.sleep(0.05)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(command, process.returncode, out.read(), err.read())


def run_space(
    hub,
    space_id: str,
    python: list[str],
    env: dict[str, str],
    root: Path,
    kill_when=None,
):
    """Build and run the Space as the Hub would: RUNTIME_ERROR with the reasons when its
    Dockerfile breaks the conventions, else train.py as uid 1000 in ``root``/home/app (owned
    as COPY --chown says). The process ends the run: PAUSED when it paused its Space,
    RUNTIME_ERROR otherwise. Returns the finished process (None when it never started)."""
    space = hub.repo("space", space_id)
    files = space["files"]
    problems = dockerfile_problems(
        files.get("Dockerfile", b"").decode(), files.get("README.md", b"").decode()
    )
    if problems:
        space["stage"], space["error"] = "RUNTIME_ERROR", "; ".join(problems)
        return None
    home = root / "home"
    app = home / "app"
    shutil.rmtree(home, ignore_errors=True)  # each start is a new container: nothing carries over
    for name, content in files.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_bytes(content)
    for path in [home, *home.rglob("*")]:  # the user's home; the app as COPY --chown=user said
        os.chown(path, SPACE_UID, SPACE_UID)
    space["stage"] = "RUNNING"
    pauses = space["pauses"]
    secrets = space["secrets"]
    run_env = env | dockerfile_env(files["Dockerfile"].decode(), home) | secrets
    process = _run(
        [*python, "train.py"],
        kill_when,
        600,
        cwd=app,
        env=run_env | {"HOME": str(home), "SPACE_ID": space_id, "HF_ENDPOINT": hub.endpoint},
        user=SPACE_UID,
        group=SPACE_UID,
        extra_groups=[],
    )
    if space["pauses"] == pauses:
        space["stage"] = "RUNTIME_ERROR"
        space["error"] = f"exited with {process.returncode} without pausing"
    return process


def run_job(hub, job_id: str, python: list[str], env: dict[str, str], root: Path, kill_when=None):
    """Run a Job whose command downloads package/ from a repo: the package is fetched from the
    fake's storage, train.py runs with the Job's env and secrets, its output is the Job's logs
    and its exit code the Job's end (COMPLETED or ERROR; killed when ``kill_when()`` holds)."""
    job = hub.jobs[job_id]
    spec = job["spec"]
    repo_id = re.search(r"hf download (\S+)", spec["command"][-1]).group(1)
    package = root / "work" / "package"
    for name, content in hub.repo("model", repo_id)["files"].items():
        if name.startswith("package/"):
            (package / name.removeprefix("package/")).parent.mkdir(parents=True, exist_ok=True)
            (package / name.removeprefix("package/")).write_bytes(content)
    job["stage"] = "RUNNING"
    process = _run(
        [*python, "train.py"],
        kill_when,
        min(600, spec["timeoutSeconds"]),
        cwd=package,
        env=env | spec.get("environment", {}) | spec.get("secrets", {}),
    )
    for line in process.stdout.splitlines():
        hub.job_log(job_id, line)
    job["stage"] = "COMPLETED" if process.returncode == 0 else "ERROR"
    job["running_secs"] = 30
    shutil.rmtree(package, ignore_errors=True)
    return process
