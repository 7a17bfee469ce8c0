"""Which Hub repos a package may reuse: only those it made. Every Space and Job repo the app
fills holds a marker file naming its package; an existing repo without this package's marker
belongs to someone else (another package, another member on the same account, a person), so
the run takes the next free name instead of writing over it."""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from trainpkg_app.hub.api import read_repo_file
from trainpkg_app.hub.errors import explain

MARKER = ".trainpkg-package"
TRIES = 20


def _marker_of(api: HfApi, repo_id: str, repo_type: str, path: str) -> str:
    """The package the repo's marker names; '' without one (or none we may read)."""
    try:
        return (read_repo_file(api, repo_id, path, repo_type) or b"").decode().strip()
    except HfHubHTTPError:
        return ""


def claim(api: HfApi, wanted: str, repo_type: str, package_id: str, in_folder: str = "") -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``…: the first repo that does not exist yet or
    whose marker (at ``in_folder/MARKER``) names this package."""
    path = f"{in_folder}/{MARKER}" if in_folder else MARKER
    try:
        for number in range(1, TRIES + 1):
            candidate = wanted if number == 1 else f"{wanted}-{number}"
            if not api.repo_exists(candidate, repo_type=repo_type):
                return candidate
            if _marker_of(api, candidate, repo_type, path) == package_id:
                return candidate
    except Exception as error:
        raise explain(error, wanted) from error
    raise explain(RuntimeError(f"{wanted} and {TRIES - 1} names after it are taken"), wanted)


def mark(folder: Path, package_id: str) -> None:
    """Put the marker into the folder that is uploaded to the repo."""
    (folder / MARKER).write_text(package_id)
