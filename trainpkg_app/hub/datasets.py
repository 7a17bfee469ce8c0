"""Hub datasets: their configs, splits and sizes (``dataset_info``)."""

from __future__ import annotations

from huggingface_hub import HfApi
from pydantic import BaseModel

from trainpkg_app.hub.errors import explain


class HubDataset(BaseModel):
    dataset_id: str
    revision: str | None
    splits: dict[str, dict[str, int | None]]  # config -> split -> rows


def hub_dataset_details(api: HfApi, dataset_id: str) -> HubDataset:
    try:
        info = api.dataset_info(dataset_id)
    except Exception as error:
        raise explain(error, dataset_id) from error
    card = info.card_data.to_dict() if info.card_data else {}
    described = card.get("dataset_info") or []
    described = [described] if isinstance(described, dict) else described
    splits: dict[str, dict[str, int | None]] = {}
    for config in described:
        name = config.get("config_name", "default")
        splits[name] = {s["name"]: s.get("num_examples") for s in config.get("splits", [])}
    for config in card.get("configs") or []:
        splits.setdefault(config.get("config_name", "default"), {"train": None})
    return HubDataset(
        dataset_id=info.id, revision=info.sha, splits=splits or {"default": {"train": None}}
    )
