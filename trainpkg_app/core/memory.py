"""Peak GPU memory of a fine-tune, estimated from the parameter count (formula shown to users).

weights   = P x bytes per weight (bf16/fp16 2, fp32 4, QLoRA 4-bit 0.5)
trainable = P (full) or P x 0.005 x r/16 (LoRA/QLoRA adapters)
training  = trainable x (gradient + optimizer + fp32 master bytes)
h x L     ~ cube root of (P / 0.12) squared / 12 ... i.e. from P = 12 L h^2 with L ~ h/100
activations = batch x seq x h x L x (2 with gradient checkpointing, else 34) bytes
total     = weights + training + activations + 1 GB (CUDA context, buffers)
"""

from __future__ import annotations

from pydantic import BaseModel

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
TIGHT_ABOVE = 0.85  # of the GPU's memory


class MemoryEstimate(BaseModel):
    weights_gb: float
    training_gb: float
    activations_gb: float
    total_gb: float
    trainable_parameters: int
    formula: str


class Fit(BaseModel):
    verdict: str  # fits, tight, won't fit, unknown
    message: str


def hidden_times_layers(parameters: int) -> float:
    """h x L for a decoder with P = 12 L h^2 and L = h / 100 (typical within ~20 %)."""
    hidden = (parameters / 0.12) ** (1 / 3)
    layers = parameters / (12 * hidden**2)
    return hidden * layers


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
) -> MemoryEstimate:
    weight_bytes = 0.5 if method == "qlora" else WEIGHT_BYTES[precision]
    trainable = parameters if method == "full" else int(parameters * 0.005 * lora_r / 16)
    master = 4 if precision != "fp32" else 0
    per_trainable = WEIGHT_BYTES[precision] + OPTIMIZER_BYTES[optimizer] + master
    activation_bytes = 2 if gradient_checkpointing else 34
    weights = parameters * weight_bytes / GB
    training = trainable * per_trainable / GB
    activations = batch_size * seq_length * hidden_times_layers(parameters) * activation_bytes / GB
    total = weights + training + activations + CUDA_OVERHEAD_GB
    h_l = hidden_times_layers(parameters)
    formula = (
        f"weights {parameters:,} x {weight_bytes:g} B = {weights:.2f} GB; "
        f"training {trainable:,} trainable x {per_trainable} B = {training:.2f} GB; "
        f"activations {batch_size} x {seq_length} tokens x h·L {h_l:,.0f}"
        f" x {activation_bytes} B = {activations:.2f} GB; + {CUDA_OVERHEAD_GB:g} GB overhead"
    )
    return MemoryEstimate(
        weights_gb=round(weights, 2),
        training_gb=round(training, 2),
        activations_gb=round(activations, 2),
        total_gb=round(total, 2),
        trainable_parameters=trainable,
        formula=formula,
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
