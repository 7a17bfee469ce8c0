"""Model search and model details from the Hub, or from a local model folder."""

from __future__ import annotations

import json
import struct
from math import prod
from pathlib import Path

from huggingface_hub import HfApi
from pydantic import BaseModel

from trainpkg_app.core.model_shape import shape_from_config
from trainpkg_app.core.step_data import ModelInfo
from trainpkg_app.hub.errors import HubProblem, explain

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf")
SEARCH_LIMIT = 20


class ModelHit(BaseModel):
    model_id: str
    downloads: int
    likes: int
    parameters: int | None
    license: str
    gated: bool


def _license(info) -> str:
    data = getattr(info, "card_data", None)
    return (getattr(data, "license", None) or "") if data else ""


def _parameters(info) -> int | None:
    return info.safetensors.total if getattr(info, "safetensors", None) else None


def search_models(api: HfApi, text: str) -> list[ModelHit]:
    """Text-generation models matching ``text``, most downloaded first."""
    try:
        found = api.list_models(
            search=text.strip() or None,
            pipeline_tag="text-generation",
            sort="downloads",
            limit=SEARCH_LIMIT,
            expand=["downloads", "likes", "safetensors", "cardData", "gated"],
        )
        return [
            ModelHit(
                model_id=info.id,
                downloads=info.downloads or 0,
                likes=info.likes or 0,
                parameters=_parameters(info),
                license=_license(info),
                gated=bool(info.gated),
            )
            for info in found
        ]
    except Exception as error:
        raise explain(error) from error


def hub_model_details(api: HfApi, model_id: str) -> ModelInfo:
    """Parameters, size on disk (the weight files), license, gating, architecture, pinned sha."""
    try:
        info = api.model_info(model_id, files_metadata=True)
    except Exception as error:
        raise explain(error, model_id) from error
    weights = [s.size or 0 for s in info.siblings or [] if s.rfilename.endswith(WEIGHT_SUFFIXES)]
    architectures = (info.config or {}).get("architectures") or []
    shape = _hub_shape(api, info.id, info.sha)
    return ModelInfo(
        model_id=info.id,
        source="hub",
        revision=info.sha,
        parameters=_parameters(info),
        parameters_by_dtype=dict(info.safetensors.parameters) if info.safetensors else {},
        size_gb=round(sum(weights) / 1e9, 3) if weights else None,
        license=_license(info) or None,
        gated=bool(info.gated),
        architecture=architectures[0] if architectures else None,
        shape=shape,
    )


def _shape_of(config: dict) -> dict[str, int]:
    shape = shape_from_config(config)
    return shape.model_dump() if shape else {}


def _hub_shape(api: HfApi, model_id: str, revision: str | None) -> dict[str, int]:
    """The model's shape from its config.json; {} when that cannot be read (the memory
    estimate then derives one from the parameter count)."""
    try:
        path = api.hf_hub_download(model_id, "config.json", revision=revision)
        return _shape_of(json.loads(Path(path).read_text()))
    except Exception:  # gated, missing, offline: the estimate says it assumed a shape
        return {}


def _safetensors_parameters(path: Path) -> int:
    """Count parameters from a safetensors header, without loading the tensors."""
    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    return sum(prod(t["shape"]) for name, t in header.items() if name != "__metadata__")


def local_model_details(folder: str) -> ModelInfo:
    """A model folder on this machine (it needs a config.json)."""
    path = Path(folder).expanduser()
    config_file = path / "config.json"
    if not config_file.is_file():
        raise HubProblem("not_found", f"{folder} is not a model folder: it has no config.json.")
    config = json.loads(config_file.read_text())
    weights = [f for f in path.iterdir() if f.suffix in WEIGHT_SUFFIXES]
    tensors = [f for f in weights if f.suffix == ".safetensors"]
    return ModelInfo(
        model_id=str(path.resolve()),
        source="local",
        parameters=sum(_safetensors_parameters(f) for f in tensors) or None,
        size_gb=round(sum(f.stat().st_size for f in weights) / 1e9, 3) if weights else None,
        architecture=(config.get("architectures") or [None])[0],
        shape=_shape_of(config),
    )


def cached_models() -> list[str]:
    """Model ids in the local Hugging Face cache: still selectable when the Hub is offline."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        cache = scan_cache_dir()
    except CacheNotFound:
        return []
    return sorted(repo.repo_id for repo in cache.repos if repo.repo_type == "model")
