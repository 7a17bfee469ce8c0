"""Repositories and Spaces in the fake Hub, behind a route table: create, commit (NDJSON, with
deletions), files (GET and HEAD, as ``hf_hub_download`` asks), repo info and tree (as
``snapshot_download`` asks), Space runtime, secrets, hardware (the official Space flavors
only) and pause. Tests reach a repo as ``hub.repo(kind, repo_id)``."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from pathlib import Path
from typing import Any

from huggingface_hub import SpaceHardware

from tests.fakehub.routing import Call, Route

SPACE_FLAVORS = frozenset(flavor.value for flavor in SpaceHardware)  # the client's official list
KINDS = {"spaces": "space", "datasets": "dataset", "models": "model"}
REPO = r"([^/]+/[^/]+)"
VALID_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")  # validate_repo_id's rules


def new_repo(private: bool = False, sdk: str | None = None) -> dict[str, Any]:
    return {
        "private": private,
        "sdk": sdk,
        "secrets": {},
        "hardware": None,
        "stage": "NO_APP_FILE",
        "files": {},
        "pauses": 0,
        "sha": uuid.uuid4().hex[:40].ljust(40, "0"),
        "error": None,
    }


class FakeRepos:
    def __init__(self, hub) -> None:
        self.hub = hub
        self.repos: dict[str, dict[str, Any]] = {}  # "space:id" / "model:id" / "dataset:id"

    def routes(self) -> list[Route]:
        return [
            ("GET", rf"/(?:(spaces|datasets)/)?{REPO}/resolve/[^/]+/(.+)", self._file),
            ("GET", rf"/api/(spaces|models|datasets)/{REPO}/tree/[^/]+(?:/(.+))?", self._tree),
            ("GET", rf"/api/spaces/{REPO}/runtime", self._runtime_route),
            ("GET", rf"/api/(spaces|models|datasets)/{REPO}(?:/revision/[^/]+)?", self._info),
            (
                "POST",
                r"/api/validate-yaml",
                lambda call: call.send(200, {"errors": [], "warnings": []}),
            ),
            ("POST", r"/api/repos/create", self._create),
            ("POST", rf"/api/spaces/{REPO}/(secrets|hardware|pause|restart)", self._space),
            ("POST", rf"/api/(spaces|models|datasets)/{REPO}/preupload/[^/]+", self._preupload),
            ("POST", rf"/api/(spaces|models|datasets)/{REPO}/commit/[^/]+", self._commit),
        ]

    # --- helpers for tests ------------------------------------------------------------

    def add_folder(self, kind: str, repo_id: str, folder: Path, sha: str) -> None:
        """A repo whose files are those of ``folder`` at commit ``sha`` (a base model)."""
        repo = self.repos.setdefault(f"{kind}:{repo_id}", new_repo())
        repo["sha"] = sha
        for path in folder.rglob("*"):
            if path.is_file():
                repo["files"][str(path.relative_to(folder))] = path.read_bytes()

    def _repo(self, call: Call, plural: str | None, repo_id: str) -> dict[str, Any] | None:
        repo = self.repos.get(f"{KINDS.get(plural or 'models', 'model')}:{repo_id}")
        if repo is None:
            call.send(404, {"error": "Repository not found"}, error_code="RepoNotFound")
        return repo

    # --- reading ------------------------------------------------------------------------

    def _file(self, call: Call, plural, repo_id, filename) -> None:
        repo = self.repos.get(f"{KINDS.get(plural or 'models', 'model')}:{repo_id}")
        content = (repo or {}).get("files", {}).get(filename)
        if content is None:
            return call.send(404, {"error": "Entry not found"}, error_code="EntryNotFound")
        http = call.http
        http.send_response(200)
        http.send_header("Content-Length", str(len(content)))
        http.send_header("ETag", f'"{hashlib.sha1(content).hexdigest()}"')
        http.send_header("X-Repo-Commit", repo["sha"])
        http.end_headers()
        if http.command != "HEAD":
            http.wfile.write(content)
        return None

    def _tree(self, call: Call, plural, repo_id, folder) -> None:
        repo = self._repo(call, plural, repo_id)
        if repo is None:
            return None
        prefix = f"{folder.rstrip('/')}/" if folder else ""
        entries = [
            {"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
            for name, data in sorted(repo["files"].items())
            if name.startswith(prefix)
        ]
        if folder and not entries:
            return call.send(404, {"error": "Entry not found"}, error_code="EntryNotFound")
        return call.send(200, entries)

    def _info(self, call: Call, plural, repo_id) -> None:
        if f"{KINDS[plural]}:{repo_id}" not in self.repos and plural != "spaces":
            return self.hub.catalog_info(call, plural, repo_id)
        repo = self._repo(call, plural, repo_id)
        if repo is None:
            return None
        return call.send(
            200,
            {
                "id": repo_id,
                "sha": repo["sha"],
                "private": bool(repo["private"]),
                "sdk": repo["sdk"],
                "siblings": [{"rfilename": name} for name in sorted(repo["files"])],
            },
        )

    def runtime(self, space: dict[str, Any]) -> dict[str, Any]:
        return {
            "stage": space["stage"],
            "hardware": {"current": space["hardware"], "requested": space["hardware"]},
            "gcTimeout": None,
            "storage": None,
            "errorMessage": space["error"],
        }

    def _runtime_route(self, call: Call, space_id) -> None:
        space = self._repo(call, "spaces", space_id)
        if space is not None:
            call.send(200, self.runtime(space))

    # --- writing ------------------------------------------------------------------------

    def _create(self, call: Call) -> None:
        data = json.loads(call.body)
        kind = data.get("type") or "model"
        namespace = data.get("organization") or self.hub.user
        repo_id = f"{namespace}/{data['name']}"
        prefix = {"space": "spaces/", "dataset": "datasets/"}.get(kind, "")
        url = f"{self.hub.endpoint}/{prefix}{repo_id}"
        if not VALID_NAME.match(data["name"]) or "--" in data["name"] or ".." in data["name"]:
            return call.send(400, {"error": f"Invalid repo name: {data['name']}"})
        if namespace != self.hub.user:  # another user's or an organization we are not in
            message = (
                f'You don\'t have the rights to create a {kind} under the namespace "{namespace}"'
            )
            return call.send(403, {"error": message}, error_message=message)
        if f"{kind}:{repo_id}" in self.repos:
            return call.send(409, {"error": "You already created this repo", "url": url})
        private = data.get("visibility") == "private" or bool(data.get("private"))
        self.repos[f"{kind}:{repo_id}"] = new_repo(private, data.get("sdk"))
        return call.send(200, {"url": url, "name": repo_id})

    def _space(self, call: Call, space_id, action) -> None:
        space = self._repo(call, "spaces", space_id)
        if space is None:
            return None
        data = json.loads(call.body or b"{}")
        if action == "secrets":
            space["secrets"][data["key"]] = data["value"]
            return call.send(200, {})
        if action == "hardware":
            if data.get("flavor") not in SPACE_FLAVORS:  # the Hub refuses a flavor it lacks
                return call.send(400, {"error": f"Invalid hardware flavor: {data.get('flavor')}"})
            space["hardware"] = data["flavor"]
        if action == "pause":
            space["stage"], space["pauses"] = "PAUSED", space["pauses"] + 1
        if action == "restart":
            space["stage"] = "BUILDING"
        return call.send(200, self.runtime(space))

    def _preupload(self, call: Call, _plural, _repo_id) -> None:
        files = json.loads(call.body).get("files", [])
        modes = [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]
        call.send(200, {"files": modes})

    def _commit(self, call: Call, plural, repo_id) -> None:
        repo = self._repo(call, plural, repo_id)
        if repo is None:
            return None
        if repo_id.split("/")[0] != self.hub.user:  # someone else's repo: no write access
            message = f"You don't have write access to {repo_id}"
            return call.send(403, {"error": message}, error_message=message)
        for line in call.body.decode().splitlines():
            item = json.loads(line)
            value = item.get("value", {})
            if item.get("key") == "file":
                repo["files"][value["path"]] = base64.b64decode(value["content"])
            elif item.get("key") == "deletedFile":
                repo["files"].pop(value["path"], None)
            elif item.get("key") == "deletedFolder":
                folder = value["path"].rstrip("/") + "/"
                repo["files"] = {k: v for k, v in repo["files"].items() if not k.startswith(folder)}
        if plural == "spaces":
            repo["stage"] = "BUILDING"
        repo["sha"] = uuid.uuid4().hex + "00000000"
        return call.send(
            200,
            {
                "commitUrl": f"{self.hub.endpoint}/{repo_id}/commit/{repo['sha']}",
                "commitOid": repo["sha"],
                "pullRequestUrl": None,
            },
        )
