"""The model card (README.md) of a shipped model, a download or a Hub repo: the metadata that
links it to its base and datasets (base_model, library_name, datasets, metrics), the package
version it came from, its results and, when the run has one, its evaluation card."""

from __future__ import annotations

from typing import Any

import yaml

SAMPLES_SHOWN = 8


def card_metadata(spec: dict, *, adapter: bool, evaluation: dict | None) -> dict[str, Any]:
    method = spec["config"].get("method", "lora")
    refs = spec["dataset"]["datasets"]
    metadata: dict[str, Any] = {
        "base_model": spec["model"]["model_id"],
        "library_name": "peft" if adapter else "transformers",
        "pipeline_tag": "text-generation",
        "tags": ["trainpkg", "sft", "trl", method],
    }
    hub_datasets = [ref["dataset_id"] for ref in refs if ref.get("source") != "upload"]
    if hub_datasets:
        metadata["datasets"] = hub_datasets
    metadata["metrics"] = ["loss", "perplexity"] if evaluation else ["loss"]
    return metadata


def _scalars(evaluation: dict, prefix: str = "") -> list[str]:
    """Its figures as a list, a nested group's under its name (``base eval loss: 2.5``)."""
    lines = []
    for key, value in evaluation.items():
        name = f"{prefix}{key.replace('_', ' ')}"
        if isinstance(value, dict):
            lines += _scalars(value, f"{name} ")
        elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
            lines.append(f"- {name}: {value}")
    return lines


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")[:200]


def _samples(evaluation: dict) -> list[str]:
    """The first list of records in the card (its sample generations) as a table."""
    rows = next(
        (v for v in evaluation.values() if isinstance(v, list) and v and isinstance(v[0], dict)),
        [],
    )[:SAMPLES_SHOWN]
    if not rows:
        return []
    keys = list(rows[0])
    return [
        "",
        "| " + " | ".join(keys) + " |",
        "|" + " --- |" * len(keys),
        *["| " + " | ".join(_cell(row.get(k, "")) for k in keys) + " |" for row in rows],
    ]


def evaluation_section(evaluation: dict | None) -> list[str]:
    if not evaluation:
        return []
    return ["## Evaluation", "", *_scalars(evaluation), *_samples(evaluation), ""]


def ship_card(
    spec: dict,
    *,
    adapter: bool,
    merged: bool,
    version_label: str,
    losses: dict[str, Any],
    evaluation: dict | None = None,
) -> str:
    """README.md for the adapter (``adapter``) or a full model (a full fine-tune, or the adapter
    ``merged`` into its base)."""
    base, revision = spec["model"]["model_id"], spec["model"].get("revision") or "main"
    metadata = card_metadata(spec, adapter=adapter, evaluation=evaluation)
    if merged:
        metadata["tags"].append("merged")
    method = spec["config"].get("method", "lora")
    how = (
        f"the {method} adapter of this run merged into `{base}` (PEFT `merge_and_unload`)"
        if merged
        else f"fine-tuned ({method}) from `{base}`"
    )
    load = (
        f'base = AutoModelForCausalLM.from_pretrained("{base}")\n'
        'model = PeftModel.from_pretrained(base, "<this repo or folder>")'
        if adapter
        else 'model = AutoModelForCausalLM.from_pretrained("<this repo or folder>")'
    )
    datasets = [
        f"- `{ref['dataset_id']}` ({ref.get('source')})" for ref in spec["dataset"]["datasets"]
    ]
    return "\n".join(
        [
            "---",
            yaml.safe_dump(metadata, sort_keys=False).strip(),
            "---",
            "",
            f"# {spec['name']}",
            "",
            f"This model is {how} (revision `{revision}`), trained by the training package "
            f"**{spec['name']}**, version {version_label}.",
            "",
            "## Datasets",
            "",
            *datasets,
            "",
            "## Results",
            "",
            f"- final train loss: {losses.get('train')}",
            f"- final eval loss: {losses.get('eval')}",
            "",
            *evaluation_section(evaluation),
            "## Use it",
            "",
            "```python",
            "from transformers import AutoModelForCausalLM"
            + ("\nfrom peft import PeftModel" if adapter else ""),
            load,
            "```",
            "",
        ]
    )
