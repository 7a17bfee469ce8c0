"""Rules of the "Try it" playground, without I/O: what a prompt may carry, the chat messages
each model is sent, and whether a model fits the memory this machine has before it is loaded.

Memory to generate = weights (their bytes as stored: the worker loads ``dtype="auto"``)
                     + KV cache (2 x layers x hidden x context tokens x 2 B)
                     + overhead (1 GB: CUDA context, buffers, the tokenizer)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from trainpkg_app.core.memory import CUDA_OVERHEAD_GB, GB
from trainpkg_app.core.model_shape import ModelShape
from trainpkg_app.core.payloads import Payload

MAX_MODELS = 3  # side by side
MAX_PROMPT = 4000  # characters
MAX_SYSTEM = 2000
MAX_NEW_TOKENS = 1024
MAX_TURNS = 8  # earlier exchanges each model is sent again
KV_BYTES = 2  # 16-bit keys and values
IDLE_UNLOAD_S = 10 * 60  # a model nobody prompted for this long is unloaded
NO_TEMPLATE = "This model has no chat template: it is sent the conversation as plain text."
NOTHING_TO_SEND = "Type a prompt first."
NO_MODEL = "Choose at least one model to answer."
TOO_MANY_MODELS = f"At most {MAX_MODELS} models answer side by side: clear one first."

Prompt = Annotated[str, StringConstraints(max_length=MAX_PROMPT)]
SystemPrompt = Annotated[str, StringConstraints(max_length=MAX_SYSTEM)]


class SendForm(Payload):
    """The playground's form: the prompt and how to sample the answers (bounded, finite)."""

    prompt: Prompt = ""
    system_prompt: SystemPrompt = ""
    temperature: float = Field(default=0.7, ge=0, le=2, allow_inf_nan=False)
    top_p: float = Field(default=0.95, gt=0, le=1, allow_inf_nan=False)
    max_new_tokens: int = Field(default=128, ge=1, le=MAX_NEW_TOKENS)


def sampling(form: SendForm) -> dict:
    """``generate`` keyword arguments: greedy at temperature 0, else sampled."""
    if form.temperature == 0:
        return {"do_sample": False, "max_new_tokens": form.max_new_tokens}
    return {
        "do_sample": True,
        "temperature": form.temperature,
        "top_p": form.top_p,
        "max_new_tokens": form.max_new_tokens,
    }


def chat_messages(system: str, history: list[tuple[str, str]], prompt: str) -> list[dict]:
    """The messages one model is sent: the system prompt, its own earlier answers (the last
    MAX_TURNS exchanges), and the new prompt."""
    messages = [{"role": "system", "content": system}] if system.strip() else []
    for asked, answered in history[-MAX_TURNS:]:
        messages += [
            {"role": "user", "content": asked},
            {"role": "assistant", "content": answered},
        ]
    return [*messages, {"role": "user", "content": prompt}]


def plain_prompt(messages: list[dict]) -> str:
    """The conversation as text, for a model without a chat template (a base model)."""
    lines = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
    return "\n".join([*lines, "Assistant:"])


def new_token_budget(asked: int, prompt_tokens: int, max_positions: int | None) -> int:
    """The new tokens that still fit the model's context after the prompt (0: none fit)."""
    if not max_positions:
        return asked
    return max(0, min(asked, max_positions - prompt_tokens))


def memory_need_gb(weight_bytes: int, shape: ModelShape | None, context: int) -> float:
    kv = 2 * shape.layers * shape.hidden * context * KV_BYTES if shape else 0
    return (weight_bytes + kv) / GB + CUDA_OVERHEAD_GB


def fit_refusal(need_gb: float, available_gb: float, where: str) -> str | None:
    """None when the model fits; else the message the user sees (nothing is loaded)."""
    if need_gb <= available_gb:
        return None
    return (
        f"Not loaded: this model needs about {need_gb:.1f} GB to generate and {where} has "
        f"{available_gb:.1f} GB free. Close another model, try a smaller one, or run the "
        "playground on a machine with more memory."
    )
