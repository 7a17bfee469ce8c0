"""Peak GPU memory of a fine-tune, from the model's shape (config.json), shown in parts.

weights      = P x bytes per weight (bf16/fp16 2, fp32 4, QLoRA 4-bit 0.5); all experts of a
               mixture-of-experts model are resident
training     = trainable x (gradient + optimizer + fp32 master bytes);  trainable = P (full) or
               P x 0.005 x r/16 (LoRA/QLoRA adapters); FSDP shards weights and training over N
activations  = b x s x h x (2 x L + 34) with gradient checkpointing (each layer's input kept,
               one layer recomputed), else b x s x h x 34 x L (Korthikanti et al. 2022, 16-bit);
               eager attention adds its scores, 5 x heads x s^2 x b, per layer held
logits       = b x s x vocab x 10 B (16-bit logits, the fp32 copy the loss takes, its gradient);
               Liger's fused cross-entropy never materializes them
total        = weights + training + activations + logits + 1 GB (CUDA context, buffers)
Without a config.json the shape is estimated from P (P = 12 L h^2, L = h / 100, vocab 32,000).
"""

from __future__ import annotations

from pydantic import BaseModel

from trainpkg_app.core.model_shape import ModelShape

GB = 1e9
CUDA_OVERHEAD_GB = 1.0
OPTIMIZER_BYTES = {
    "adamw_torch": 8,
    "adamw_8bit": 2,
    "paged_adamw_8bit": 2,
    "adafactor": 4,
    "sgd": 0,
}
WEIGHT_BYTES = {"bf16": 2, "fp16": 2, "fp32": 4}
ACTIVATION_BYTES = 34  # a layer's activations per token and hidden unit, 16-bit
ATTENTION_SCORE_BYTES = 5  # eager attention's scores, per head and token pair
LOGIT_BYTES = 10
ASSUMED_VOCAB = 32_000
TIGHT_ABOVE = 0.85  # of the GPU's memory


class MemoryEstimate(BaseModel):
    weights_gb: float
    training_gb: float
    activations_gb: float
    logits_gb: float = 0.0
    total_gb: float
    trainable_parameters: int
    active_parameters: int = 0
    formula: str
    parts: str = ""


class Fit(BaseModel):
    verdict: str  # fits, tight, won't fit, unknown
    message: str


def hidden_times_layers(parameters: int) -> float:
    """h x L for a decoder with P = 12 L h^2 and L = h / 100 (typical within ~20 %)."""
    hidden = (parameters / 0.12) ** (1 / 3)
    layers = parameters / (12 * hidden**2)
    return hidden * layers


def assumed_shape(parameters: int) -> ModelShape:
    """A dense decoder of P parameters when its config.json is not known."""
    hidden = (parameters / 0.12) ** (1 / 3)
    return ModelShape(
        layers=max(1, round(hidden / 100)),
        hidden=max(1, round(hidden)),
        heads=max(1, round(hidden / 128)),
        vocab=ASSUMED_VOCAB,
    )


def activation_bytes(
    shape: ModelShape, batch: int, seq: int, checkpointing: bool, eager: bool
) -> float:
    tokens_hidden = batch * seq * shape.hidden
    scores = ATTENTION_SCORE_BYTES * shape.heads * seq * seq * batch if eager else 0
    if checkpointing:  # every layer's input, plus one layer recomputed in full
        return tokens_hidden * (2 * shape.layers + ACTIVATION_BYTES) + scores
    return (tokens_hidden * ACTIVATION_BYTES + scores) * shape.layers


def estimate_memory(
    *,
    parameters: int,
    method: str,
    precision: str,
    optimizer: str,
    batch_size: int,
    seq_length: int,
    gradient_checkpointing: bool,
    lora_r: int = 16,
    shape: ModelShape | None = None,
    eager_attention: bool = False,
    liger: bool = False,
    fsdp_gpus: int = 1,
) -> MemoryEstimate:
    known = shape is not None
    shape = shape or assumed_shape(parameters)
    weight_bytes = 0.5 if method == "qlora" else WEIGHT_BYTES[precision]
    trainable = parameters if method == "full" else int(parameters * 0.005 * lora_r / 16)
    master = 4 if precision != "fp32" else 0
    per_trainable = WEIGHT_BYTES[precision] + OPTIMIZER_BYTES[optimizer] + master
    shards = max(1, fsdp_gpus)
    weights = parameters * weight_bytes / shards / GB
    training = trainable * per_trainable / shards / GB
    activations = (
        activation_bytes(shape, batch_size, seq_length, gradient_checkpointing, eager_attention)
        / GB
    )
    logits = 0.0 if liger else batch_size * seq_length * shape.vocab * LOGIT_BYTES / GB
    total = weights + training + activations + logits + CUDA_OVERHEAD_GB
    active = shape.active_parameters(parameters)
    source = "config.json" if known else "estimated from the parameter count"
    sharded = f" / {shards} GPUs (FSDP)" if shards > 1 else ""
    layers = f"2 x {shape.layers} + 34" if gradient_checkpointing else f"34 x {shape.layers}"
    formula = (
        f"weights {parameters:,} x {weight_bytes:g} B{sharded} = {weights:.2f} GB; "
        f"training {trainable:,} trainable x {per_trainable} B{sharded} = {training:.2f} GB; "
        f"activations {batch_size} x {seq_length} tokens x h {shape.hidden:,} x ({layers}) B"
        f"{' + eager attention scores' if eager_attention else ''} = {activations:.2f} GB; "
        + (
            "logits: fused by Liger, not materialized; "
            if liger
            else f"logits {batch_size} x {seq_length} x vocab {shape.vocab:,} x {LOGIT_BYTES} B"
            f" = {logits:.2f} GB; "
        )
        + f"+ {CUDA_OVERHEAD_GB:g} GB overhead. Shape ({source}): {shape.layers} layers, "
        f"hidden {shape.hidden:,}, {shape.heads} heads, vocab {shape.vocab:,}"
        + (
            f"; mixture of experts: {shape.experts_per_token} of {shape.experts} experts a "
            f"token, {active:,} active parameters (all experts stay in memory)"
            if shape.is_moe
            else ""
        )
    )
    parts = (
        f"weights {weights:.1f} GB · gradients and optimizer {training:.1f} GB · "
        f"activations {activations:.1f} GB · logits {logits:.1f} GB · "
        f"overhead {CUDA_OVERHEAD_GB:.1f} GB"
    )
    return MemoryEstimate(
        weights_gb=round(weights, 2),
        training_gb=round(training, 2),
        activations_gb=round(activations, 2),
        logits_gb=round(logits, 2),
        total_gb=round(total, 2),
        trainable_parameters=trainable,
        active_parameters=active,
        formula=formula,
        parts=parts,
    )


def check_fit(total_gb: float, gpu_memory_gb: float | None, gpu_label: str = "the GPU") -> Fit:
    if not gpu_memory_gb:
        return Fit(
            verdict="unknown",
            message=f"Peak ≈ {total_gb:.1f} GB per GPU; "
            "choose a deploy target with a GPU to check the fit.",
        )
    ratio = total_gb / gpu_memory_gb
    numbers = f"{total_gb:.1f} GB of {gpu_memory_gb:g} GB on {gpu_label}"
    if ratio <= TIGHT_ABOVE:
        return Fit(verdict="fits", message=f"Fits: {numbers}.")
    if ratio <= 1:
        return Fit(
            verdict="tight",
            message=f"Tight: {numbers}. Lower the batch size or enable "
            "gradient checkpointing for headroom.",
        )
    return Fit(
        verdict="won't fit",
        message=f"Won't fit: {numbers}. Use LoRA/QLoRA, a smaller "
        "batch or sequence, or a larger GPU.",
    )
