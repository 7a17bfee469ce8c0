"""Hub datasets checked with the dataset viewer API (datasets-server) before a run is billed.

/is-valid, /splits and /size when a dataset is added; /info and /first-rows for a chosen config
and split. The user's token goes as a Bearer header (gated and private datasets need it). Each
refusal becomes a HubProblem that says what to do."""

from __future__ import annotations

from typing import Any

import httpx
from huggingface_hub import HfApi
from huggingface_hub.errors import RepositoryNotFoundError
from pydantic import BaseModel

from trainpkg_app.hub.errors import HubProblem, explain
from trainpkg_app.settings import get_settings

TIMEOUT = httpx.Timeout(20.0, connect=5.0)
NO_ACCESS = {"ExternalUnauthenticatedError", "ExternalAuthenticatedError"}
NOT_READY = {"ResponseNotReady"}


class SplitSize(BaseModel):
    rows: int | None = None
    bytes: int | None = None


class ViewerDataset(BaseModel):
    dataset_id: str
    revision: str | None
    splits: dict[str, dict[str, SplitSize]]  # config -> split -> size, in the viewer's order


class ViewerRows(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = False
    rows_total: int | None = None  # /info: the split's num_examples
    bytes_total: int | None = None


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


def _token(api: HfApi) -> str | None:
    return api.token if isinstance(api.token, str) and api.token else None


def _get(path: str, token: str | None, **params: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = get_settings().dataset_viewer_url.rstrip("/") + path
    try:
        response = httpx.get(url, params=params, headers=headers, timeout=TIMEOUT)
    except httpx.TransportError as error:
        raise HubProblem(
            "offline", "The Hub's dataset viewer cannot be reached; try again later."
        ) from error
    if response.status_code != 200:
        try:
            message = str(response.json().get("error") or "")
        except ValueError:
            message = response.text[:200]
        raise _Refused(response.status_code, response.headers.get("X-Error-Code", ""), message)
    return response.json()


def _no_access(api: HfApi, dataset_id: str) -> HubProblem:
    """The viewer says "missing, private or gated": the Hub says which."""
    who = "your Hugging Face token" if _token(api) else "an anonymous request (no token set)"
    try:
        info = api.dataset_info(dataset_id)
    except RepositoryNotFoundError:
        return HubProblem(
            "not_found",
            f"{dataset_id} was not found on the Hub, or it is private and {who} has no access "
            "to it. Check the spelling (owner/name), or set a token of an account that can "
            "read it.",
        )
    except Exception as error:
        return explain(error, dataset_id)
    if info.gated:
        return HubProblem(
            "gated",
            f"{dataset_id} is gated and {who} has no access yet: request access on its Hub page "
            "with the account whose token the app uses, then add it again.",
        )
    return HubProblem("no_access", f"{dataset_id} is private and {who} has no access to it.")


def _explain(refusal: _Refused, api: HfApi, dataset_id: str) -> HubProblem:
    if refusal.code in NO_ACCESS:
        return _no_access(api, dataset_id)
    if refusal.code in NOT_READY:
        return HubProblem(
            "not_ready",
            f"The dataset viewer is still processing {dataset_id}; try again in a few minutes.",
        )
    if refusal.status == 429 or (refusal.status >= 500 and refusal.status != 501):
        return HubProblem(
            "server", f"The dataset viewer failed ({refusal.status}): {refusal}. Try again later."
        )
    return _not_supported(dataset_id, str(refusal))


def _not_supported(dataset_id: str, why: str) -> HubProblem:
    return HubProblem(
        "not_supported",
        f"{dataset_id} cannot be read by the Hub's dataset viewer ({why or 'not supported'}), "
        "so it cannot be checked before a run. Convert it to Parquet on the Hub, or download "
        "it and upload the file here.",
    )


def _call(api: HfApi, dataset_id: str, path: str, **params: str) -> dict[str, Any]:
    try:
        return _get(path, _token(api), dataset=dataset_id, **params)
    except _Refused as refusal:
        raise _explain(refusal, api, dataset_id) from refusal


def _sizes(size: dict[str, Any]) -> dict[tuple[str, str], SplitSize]:
    return {
        (s["config"], s["split"]): SplitSize(
            rows=s.get("num_rows"), bytes=s.get("num_bytes_parquet_files")
        )
        for s in size.get("size", {}).get("splits", [])
    }


def check_dataset(api: HfApi, dataset_id: str) -> ViewerDataset:
    """Configs, splits and their sizes, when the viewer can preview the dataset."""
    valid = _call(api, dataset_id, "/is-valid")
    if not valid.get("preview"):
        raise _not_supported(dataset_id, "no preview")
    listed = _call(api, dataset_id, "/splits")
    sizes = _sizes(_call(api, dataset_id, "/size"))
    splits: dict[str, dict[str, SplitSize]] = {}
    for entry in listed.get("splits", []):
        key = (entry["config"], entry["split"])
        splits.setdefault(key[0], {})[key[1]] = sizes.get(key, SplitSize())
    if not splits:
        raise _not_supported(dataset_id, "no split is ready")
    try:
        revision = api.dataset_info(dataset_id).sha
    except Exception as error:
        raise explain(error, dataset_id) from error
    return ViewerDataset(dataset_id=dataset_id, revision=revision, splits=splits)


def first_rows(api: HfApi, dataset_id: str, config: str, split: str) -> ViewerRows:
    """The split's first rows (up to 100), its columns (/info features) and its size."""
    info = _call(api, dataset_id, "/info", config=config).get("dataset_info", {})
    described = (info.get("splits") or {}).get(split) or {}
    rows = _call(api, dataset_id, "/first-rows", config=config, split=split)
    return ViewerRows(
        columns=list(info.get("features") or {}) or [f["name"] for f in rows.get("features", [])],
        rows=[item["row"] for item in rows.get("rows", [])],
        truncated=bool(rows.get("truncated")),
        rows_total=described.get("num_examples"),
        bytes_total=described.get("num_bytes"),
    )


def recheck(api: HfApi, ref: dict[str, Any]) -> str:
    """'' when the viewer still serves this dataset ref's config and split, else why not (a
    flag in a snapshot is a claim; the launch asks the viewer again)."""
    try:
        checked = check_dataset(api, ref["dataset_id"])
    except HubProblem as problem:
        return str(problem)
    if ref.get("split") not in checked.splits.get(ref.get("config") or "", {}):
        return f"the dataset viewer no longer lists {ref.get('config')}/{ref.get('split')}."
    return ""
