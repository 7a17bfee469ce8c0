"""A model's shape, read from its config.json: what the memory estimate needs.

Config files name the same numbers differently (Llama/Qwen/Mistral, GPT-2, T5-style, MoE
families); multimodal ones keep the language model under ``text_config``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

BIG = 10**9
KEYS: dict[str, tuple[str, ...]] = {
    "layers": ("num_hidden_layers", "n_layer", "num_layers"),
    "hidden": ("hidden_size", "n_embd", "d_model"),
    "heads": ("num_attention_heads", "n_head"),
    "vocab": ("vocab_size",),
    "experts": ("num_local_experts", "num_experts", "n_routed_experts"),
    "experts_per_token": ("num_experts_per_tok", "moe_topk", "num_experts_per_token"),
    "expert_intermediate": ("moe_intermediate_size", "intermediate_size"),
}


class ModelShape(BaseModel, frozen=True):
    layers: int = Field(ge=1, le=BIG)
    hidden: int = Field(ge=1, le=BIG)
    heads: int = Field(ge=1, le=BIG)
    vocab: int = Field(ge=1, le=BIG)
    experts: int = Field(default=0, ge=0, le=BIG)  # 0: a dense model
    experts_per_token: int = Field(default=0, ge=0, le=BIG)
    expert_intermediate: int = Field(default=0, ge=0, le=BIG)

    @property
    def is_moe(self) -> bool:
        return self.experts > 1 and 0 < self.experts_per_token < self.experts

    def active_parameters(self, parameters: int) -> int:
        """Parameters a token goes through: the idle experts' MLPs (gate, up and down
        projections, 3 x hidden x intermediate each, in every layer) left out."""
        if not self.is_moe:
            return parameters
        idle = self.experts - self.experts_per_token
        return max(1, parameters - self.layers * idle * 3 * self.hidden * self.expert_intermediate)


def _first(config: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((config[n] for n in names if isinstance(config.get(n), int)), None)


def shape_from_config(config: dict[str, Any]) -> ModelShape | None:
    """The shape in a config.json, or None when it lacks layers, hidden size, heads or vocab."""
    text = config.get("text_config") if isinstance(config.get("text_config"), dict) else {}
    merged = config | text
    values = {field: _first(merged, names) for field, names in KEYS.items()}
    if any(values[k] is None for k in ("layers", "hidden", "heads", "vocab")):
        return None
    return ModelShape(**{k: v for k, v in values.items() if v is not None})
