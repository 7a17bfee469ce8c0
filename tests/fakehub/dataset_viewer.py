"""The Hub's dataset viewer API (datasets-server) in the fake Hub, under ``/viewer``.

It answers /is-valid, /splits, /size, /info and /first-rows with the real shapes, and refuses the
way the real service does (see README.md, "Dataset viewer"): first the access check the real one
makes against the Hub, then "not supported" for datasets it cannot read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.fakehub.routing import Call, Route

PREFIX = "/viewer"
FIRST_ROWS = 100
NO_TOKEN = (
    "The dataset does not exist, or is not accessible without authentication (private or gated)."
    " Please check the spelling of the dataset name or retry with authentication."
)
NO_ACCESS = (
    "The dataset does not exist, or is not accessible with the current credentials (private or "
    "gated). Please check the spelling of the dataset name or retry with other authentication "
    "credentials."
)
SCRIPT = (
    "The dataset viewer doesn't support this dataset because it runs arbitrary Python code. You "
    "can convert it to a Parquet data-only dataset by using the convert_to_parquet CLI from the "
    "datasets library. See: https://huggingface.co/docs/datasets/main/en/cli#convert-to-parquet"
)
NOT_READY = "The server is busier than usual and the response is not ready yet. Please retry later."
ALL_FALSE = {"preview": False, "viewer": False, "search": False, "filter": False}


@dataclass
class ViewerSplit:
    rows: list[dict[str, Any]]  # the first rows the viewer serves
    num_rows: int
    num_bytes: int


@dataclass
class FakeDatasetViewer:
    # dataset -> config -> split; a dataset in hub.datasets but not here has a dataset script
    data: dict[str, dict[str, dict[str, ViewerSplit]]] = field(default_factory=dict)
    processing: set[str] = field(default_factory=set)  # not ready yet: 500 ResponseNotReady

    def add(self, dataset_id: str, configs: dict[str, dict[str, ViewerSplit]]) -> None:
        self.data[dataset_id] = configs

    def routes(self, hub) -> list[Route]:
        """Everything under the prefix; ``hub`` holds the records the access check reads."""
        return [("GET", PREFIX + r"(/.*)", lambda call, endpoint: self._serve(hub, call, endpoint))]

    def _serve(self, hub, call: Call, endpoint: str) -> None:
        params = {key: values[0] for key, values in call.query.items() if values and values[0]}
        refusal = self._refusal(hub, endpoint, params, call.token)
        if refusal:
            status, code, message = refusal
            call.send(status, {"error": message}, error_code=code)
        else:
            call.send(200, self._answer(endpoint, params))

    def _refusal(self, hub, endpoint: str, params: dict[str, str], token: str):
        dataset = params.get("dataset", "")
        needed = {"/first-rows": ("dataset", "config", "split"), "/info": ("dataset",)}
        required = needed.get(endpoint, ("dataset",))
        if any(name not in params for name in required):
            names = ", ".join(f"'{name}'" for name in required)
            return 422, "MissingRequiredParameter", f"Parameter {names} are required"
        record = hub.datasets.get(dataset)
        if token and token not in hub.accepted_tokens:
            return 401, "ExternalUnauthenticatedError", NO_TOKEN
        if record is None or not hub.may_read(dataset, record, token):
            return (
                (401, "ExternalUnauthenticatedError", NO_TOKEN)
                if not token
                else (404, "ExternalAuthenticatedError", NO_ACCESS)
            )
        if (record.get("cardData") or {}).get("viewer") is False:
            message = f"Not supported: dataset viewer is disabled in {dataset} configuration."
            return 501, "NotSupportedDisabledViewerError", message
        if dataset in self.processing:
            return 500, "ResponseNotReady", NOT_READY
        if dataset not in self.data and endpoint != "/is-valid":
            return 501, "DatasetWithScriptNotSupportedError", SCRIPT
        configs = self.data.get(dataset, {})
        if "config" in params and params["config"] not in configs:
            return 404, "ResponseNotFound", "Not found."
        if "split" in params and params["split"] not in configs[params["config"]]:
            return 404, "ResponseNotFound", "Not found."
        return None

    def _answer(self, endpoint: str, params: dict[str, str]) -> dict[str, Any]:
        dataset = params["dataset"]
        configs = self.data.get(dataset)
        if endpoint == "/is-valid":
            return (
                {**{k: True for k in ALL_FALSE}, "statistics": True}
                if configs
                else (ALL_FALSE | {"statistics": False})
            )
        if endpoint == "/splits":
            listed = [
                {"dataset": dataset, "config": config, "split": split}
                for config, splits in configs.items()
                for split in splits
            ]
            return {"splits": listed, "pending": [], "failed": []}
        if endpoint == "/size":
            return _size(dataset, configs)
        if endpoint == "/info":
            if "config" in params:
                return {"dataset_info": _info(params["config"], configs[params["config"]])}
            return {"dataset_info": {name: _info(name, s) for name, s in configs.items()}}
        if endpoint == "/first-rows":
            return _first_rows(dataset, params["config"], params["split"], configs)
        return {"error": "Not found."}


def _feature(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        return {"feature": _feature(value[0] if value else ""), "_type": "List"}
    if isinstance(value, dict):
        return {key: _feature(item) for key, item in value.items()}
    dtype = {bool: "bool", int: "int64", float: "float64"}.get(type(value), "string")
    return {"dtype": dtype, "_type": "Value"}


def _features(split: ViewerSplit) -> dict[str, Any]:
    first = split.rows[0] if split.rows else {}
    return {name: _feature(value) for name, value in first.items()}


def _info(config: str, splits: dict[str, ViewerSplit]) -> dict[str, Any]:
    return {
        "description": "",
        "features": _features(next(iter(splits.values()))),
        "builder_name": "parquet",
        "config_name": config,
        "splits": {
            name: {
                "name": name,
                "num_bytes": s.num_bytes,
                "num_examples": s.num_rows,
                "dataset_name": None,
            }
            for name, s in splits.items()
        },
        "download_size": sum(s.num_bytes for s in splits.values()),
        "dataset_size": sum(s.num_bytes for s in splits.values()),
    }


def _size(dataset: str, configs: dict[str, dict[str, ViewerSplit]]) -> dict[str, Any]:
    splits = [
        {
            "dataset": dataset,
            "config": config,
            "split": name,
            "num_bytes_parquet_files": s.num_bytes,
            "num_bytes_memory": s.num_bytes * 4,
            "num_rows": s.num_rows,
            "num_columns": len(_features(s)),
        }
        for config, named in configs.items()
        for name, s in named.items()
    ]
    total = {
        "dataset": dataset,
        "num_bytes_original_files": sum(s["num_bytes_parquet_files"] for s in splits),
        "num_bytes_parquet_files": sum(s["num_bytes_parquet_files"] for s in splits),
        "num_bytes_memory": sum(s["num_bytes_memory"] for s in splits),
        "num_rows": sum(s["num_rows"] for s in splits),
    }
    return {"size": {"dataset": total, "configs": [], "splits": splits}, "partial": False}


def _first_rows(dataset: str, config: str, split: str, configs) -> dict[str, Any]:
    chosen = configs[config][split]
    rows, kept = chosen.rows[:FIRST_ROWS], []
    for index, row in enumerate(rows):  # the real one truncates the response at about 1 MB
        if len(json.dumps(kept)) > 1_000_000:
            break
        kept.append({"row_idx": index, "row": row, "truncated_cells": []})
    return {
        "dataset": dataset,
        "config": config,
        "split": split,
        "features": [
            {"feature_idx": i, "name": name, "type": feature}
            for i, (name, feature) in enumerate(_features(chosen).items())
        ],
        "rows": kept,
        "truncated": len(kept) < len(rows),
    }


def _chat(n: int) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": f"Question {n}?"},
            {"role": "assistant", "content": f"Answer {n}."},
        ]
    }


def default_viewer_data() -> dict[str, dict[str, dict[str, ViewerSplit]]]:
    """What the fake viewer serves; ``GATED`` and ``PRIVATE`` are locked on the Hub."""
    alpaca = [{"instruction": f"Say {n}.", "input": "", "output": f"{n}"} for n in range(5)]
    prompts = [{"prompt": f"Q{n}: ", "completion": f"A{n}"} for n in range(120)]
    return {
        "tatsu-lab/alpaca": {"default": {"train": ViewerSplit(alpaca, 52_002, 24_246_638)}},
        "HuggingFaceH4/ultrachat_200k": {
            "default": {
                "train_sft": ViewerSplit([_chat(n) for n in range(3)], 207_865, 1_000_000_000),
                "test_sft": ViewerSplit([_chat(n) for n in range(3, 6)], 23_110, 110_000_000),
            }
        },
        "trainpkg-tests/two-configs": {
            "en": {
                "train": ViewerSplit(prompts, 1_200, 2_400_000),
                "test": ViewerSplit(prompts[:30], 300, 600_000),
            },
            "fr": {"train": ViewerSplit([{"text": f"Bonjour {n}"} for n in range(4)], 800, 90_000)},
        },
        "trainpkg-tests/qa-columns": {
            "default": {"train": ViewerSplit([{"question": "Why?", "answer": "So."}], 10, 900)}
        },
        GATED: {"default": {"train": ViewerSplit([_chat(n) for n in range(3)], 5_000, 8_000_000)}},
        PRIVATE: {"default": {"train": ViewerSplit([{"text": "secret"}], 10, 500)}},
    }


GATED, PRIVATE = "trainpkg-tests/gated-chat", "trainpkg-tests/private-data"
SCRIPTED = "trainpkg-tests/scripted"  # on the Hub, but the viewer cannot read it
