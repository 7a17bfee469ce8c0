"""A stateful fake of the Hugging Face Hub's HTTP API, on loopback, for tests.

The real huggingface_hub client talks to it unchanged (HF_ENDPOINT / HfApi(endpoint=...)).
It serves model search, model info, dataset info and whoami (here), repositories and Spaces
(repos.py), Jobs (jobs.py) and the dataset viewer (dataset_viewer.py), each as routes of one
table (routing.py), and fails on demand:
``hub.fail_next(path_prefix, status)`` or ``hub.stop()`` for a refused connection."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakehub.dataset_viewer import FakeDatasetViewer
from tests.fakehub.jobs import FakeJobs
from tests.fakehub.repos import FakeRepos
from tests.fakehub.routing import Call, Route, RouteTable

VALID_TOKEN = "hf_fake_token_for_tests_only"
ERROR_CODES = {401: None, 403: "GatedRepo", 404: "RepoNotFound"}


def model_record(
    model_id: str,
    *,
    parameters: int,
    weight_bytes: int,
    license: str = "apache-2.0",
    gated: bool | str = False,
    downloads: int = 1000,
    likes: int = 10,
    architecture: str = "Qwen2ForCausalLM",
    sha: str | None = None,
    dtype: str = "BF16",
) -> dict[str, Any]:
    shards = max(1, weight_bytes // (5 * 1024**3) + (1 if weight_bytes % (5 * 1024**3) else 0))
    siblings = [{"rfilename": "config.json", "size": 700}, {"rfilename": "README.md", "size": 4000}]
    for index in range(shards):
        name = (
            "model.safetensors"
            if shards == 1
            else f"model-{index + 1:05d}-of-{shards:05d}.safetensors"
        )
        siblings.append({"rfilename": name, "size": weight_bytes // shards})
    return {
        "_id": model_id.replace("/", "-"),
        "id": model_id,
        "modelId": model_id,
        "author": model_id.split("/")[0],
        "sha": sha or (format(abs(hash(model_id)), "x") * 5)[:40],
        "private": False,
        "gated": gated,
        "disabled": False,
        "downloads": downloads,
        "likes": likes,
        "library_name": "transformers",
        "pipeline_tag": "text-generation",
        "tags": ["transformers", "safetensors", "text-generation", f"license:{license}"],
        "cardData": {"license": license},
        "config": {"architectures": [architecture], "model_type": architecture.lower()},
        "safetensors": {"parameters": {dtype: parameters}, "total": parameters},
        "siblings": siblings,
        "lastModified": "2026-01-01T00:00:00.000Z",
        "createdAt": "2025-01-01T00:00:00.000Z",
    }


def default_models() -> list[dict[str, Any]]:
    return [
        model_record(
            "Qwen/Qwen2.5-0.5B",
            parameters=494_032_768,
            weight_bytes=988_097_824,
            downloads=900_000,
            likes=300,
        ),
        model_record(
            "Qwen/Qwen2.5-0.5B-Instruct",
            parameters=494_032_768,
            weight_bytes=988_097_824,
            downloads=1_200_000,
            likes=500,
        ),
        model_record(
            "meta-llama/Llama-3.1-8B",
            parameters=8_030_261_248,
            weight_bytes=16_060_522_496,
            license="llama3.1",
            gated="manual",
            downloads=700_000,
            likes=1500,
            architecture="LlamaForCausalLM",
        ),
        model_record(
            "mistralai/Mistral-7B-v0.3",
            parameters=7_248_023_552,
            weight_bytes=14_496_047_104,
            downloads=400_000,
            likes=800,
            architecture="MistralForCausalLM",
        ),
    ]


def dataset_record(dataset_id: str, splits: dict[str, dict[str, int]]) -> dict[str, Any]:
    return {
        "id": dataset_id,
        "sha": (format(abs(hash(dataset_id)), "x") * 5)[:40],
        "private": False,
        "gated": False,
        "cardData": {
            "configs": [{"config_name": name} for name in splits],
            "dataset_info": [
                {
                    "config_name": name,
                    "splits": [
                        {"name": split, "num_examples": rows} for split, rows in config.items()
                    ],
                }
                for name, config in splits.items()
            ],
        },
    }


def default_datasets() -> list[dict[str, Any]]:
    return [
        dataset_record("tatsu-lab/alpaca", {"default": {"train": 52_002}}),
        dataset_record(
            "HuggingFaceH4/ultrachat_200k", {"default": {"train_sft": 207_865, "test_sft": 23_110}}
        ),
    ]


@dataclass
class FakeHub:
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    granted: dict[str, set[str]] = field(default_factory=dict)  # gated model -> tokens with access
    failures: list[tuple[str, int]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    job_service: FakeJobs = field(default_factory=FakeJobs)
    viewer: FakeDatasetViewer = field(default_factory=FakeDatasetViewer)
    accepted_tokens: set[str] = field(default_factory=lambda: {VALID_TOKEN})
    read_tokens: set[str] = field(default_factory=set)  # accepted tokens of role "read"
    user: str = "test-user"  # whose every accepted token is (whoami's name)
    _server: ThreadingHTTPServer | None = None
    _routes: RouteTable | None = None

    def __post_init__(self) -> None:
        self.repo_service = FakeRepos(self)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def repos(self) -> dict[str, dict[str, Any]]:
        return self.repo_service.repos

    def repo(self, kind: str, repo_id: str) -> dict[str, Any]:
        return self.repos[f"{kind}:{repo_id}"]

    @property
    def jobs(self) -> dict[str, dict[str, Any]]:
        return self.job_service.jobs

    def job_log(self, job_id: str, line: str) -> None:
        self.job_service.log(job_id, line)

    def add_model(self, record: dict[str, Any]) -> None:
        self.models[record["id"]] = record

    def may_read(self, repo_id: str, record: dict[str, Any], token: str) -> bool:
        """A private or gated repo's content needs a token granted access to it."""
        locked = record.get("private") or record.get("gated")
        return not locked or token in self.granted.get(repo_id, set())

    def fail_next(self, path_prefix: str, status: int, times: int = 1) -> None:
        """The next ``times`` requests under ``path_prefix`` answer ``status``."""
        self.failures.extend([(path_prefix, status)] * times)

    def start(self) -> FakeHub:
        hub = self
        self._routes = RouteTable(self._route_list())

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):  # keep test output clean
                pass

            def do_GET(self):
                hub._handle(self, "GET")

            def do_HEAD(self):  # hf_hub_download asks for a file's metadata first
                hub._handle(self, "GET")

            def do_POST(self):
                hub._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # --- request handling -----------------------------------------------------------

    def _route_list(self) -> list[Route]:
        """Every route, in the order they are tried (the viewer's prefix comes first)."""
        own: list[Route] = [
            ("GET", r"/api/whoami-v2", self._whoami),
            ("GET", r"/api/models", lambda call: call.send(200, self._search(call.query))),
        ]
        return [
            *self.viewer.routes(self),
            *own,
            *self.job_service.routes(),
            *self.repo_service.routes(),
        ]

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        """Writes need a valid token; then an armed failure, then the route table."""
        call = Call.read(request, with_body=method == "POST")
        self.requests.append(request.path if method == "GET" else f"POST {call.path}")
        if method == "POST" and call.token not in self.accepted_tokens:
            return _invalid_token(call)
        if method == "POST" and call.token in self.read_tokens:
            message = "You have read access but not the required permissions for this operation."
            return call.send(403, {"error": message}, error_message=message)
        for index, (prefix, status) in enumerate(self.failures):
            if call.path.startswith(prefix):
                del self.failures[index]
                code = ERROR_CODES.get(status) if method == "GET" else None
                return call.send(status, {"error": f"fake failure {status}"}, error_code=code)
        if not self._routes.dispatch(method, call):
            route = call.path if method == "GET" else f"POST {call.path}"
            call.send(404, {"error": f"no route {route}"})
        return None

    def _whoami(self, call: Call) -> None:
        if call.token not in self.accepted_tokens:
            return _invalid_token(call)
        role = "read" if call.token in self.read_tokens else "write"
        return call.send(
            200, {"type": "user", "name": self.user, "auth": {"accessToken": {"role": role}}}
        )

    def catalog_info(self, call: Call, plural: str, repo_id: str) -> None:
        """Model or dataset info from the catalog (search records), for repos not pushed."""
        if plural == "models":
            return self._model(call, repo_id)
        record = self.datasets.get(repo_id)
        hidden = record and record.get("private") and not self.may_read(repo_id, record, call.token)
        if record is None or hidden:  # private without access reads as missing, as on the Hub
            return call.send(404, {"error": "Repository not found"}, error_code="RepoNotFound")
        return call.send(200, record)

    def _search(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        text = (query.get("search") or [""])[0].lower()
        found = [m for m in self.models.values() if text in m["id"].lower()]
        if query.get("pipeline_tag"):
            found = [m for m in found if m["pipeline_tag"] == query["pipeline_tag"][0]]
        found.sort(key=lambda m: m["downloads"], reverse=True)
        limit = int((query.get("limit") or ["50"])[0])
        return [{k: v for k, v in m.items() if k != "siblings"} for m in found[:limit]]

    def _model(self, call: Call, model_id: str) -> None:
        record = self.models.get(model_id)
        if record is None:
            return call.send(
                401 if not call.token else 404,
                {"error": "Repository not found"},
                error_code="RepoNotFound",
            )
        if record["gated"] and call.token not in self.granted.get(model_id, set()):
            return call.send(
                403, {"error": "Access to model is restricted"}, error_code="GatedRepo"
            )
        return call.send(200, record)


def _invalid_token(call: Call) -> None:
    message = "Invalid credentials in Authorization header"
    call.send(401, {"error": message}, error_message=message)
