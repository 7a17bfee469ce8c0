"""Rules of the "Try it" playground, without I/O: what a prompt may carry, the chat messages
each model is sent, and whether a model fits the memory this machine has before it is loaded.

Memory to generate = weights (their bytes as stored: the worker loads ``dtype="auto"``)
                     + KV cache (2 x layers x hidden x context tokens x 2 B)
                     + overhead (1 GB: CUDA context, buffers, the tokenizer)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, ValidationError

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

LOADING, STREAMING, DONE, STOPPED, FAILED = "loading", "answering", "done", "stopped", "failed"


@dataclass(frozen=True)
class Answer:
    """One model's answer to one prompt, as the page shows it."""

    key: str  # the model's choice key ("base" or a run id)
    label: str
    text: str = ""
    status: str = LOADING
    stats: str = ""  # tokens, time to first token, tokens/s


@dataclass(frozen=True)
class Exchange:
    prompt: str
    answers: list[Answer] = field(default_factory=list)


def history_of(exchanges: list[Exchange], key: str) -> list[tuple[str, str]]:
    """The earlier prompts and this model's finished answers to them."""
    return [
        (exchange.prompt, answer.text)
        for exchange in exchanges
        for answer in exchange.answers
        if answer.key == key and answer.status in (DONE, STOPPED)
    ]


def with_answer(exchanges: list[Exchange], index: int, slot: int, **changes) -> list[Exchange]:
    """The exchanges with one answer changed (text appended when ``more`` is given)."""
    exchange = exchanges[index]
    answer = exchange.answers[slot]
    text = changes.pop("text", answer.text) + changes.pop("more", "")
    answer = replace(answer, text=text, **changes)
    answers = [*exchange.answers[:slot], answer, *exchange.answers[slot + 1 :]]
    return [*exchanges[:index], replace(exchange, answers=answers), *exchanges[index + 1 :]]


def answer_stats(done: dict) -> str:
    tokens, seconds = done.get("tokens", 0), done.get("seconds", 0) or 0
    rate = f" · {tokens / seconds:.1f} tokens/s" if seconds else ""
    stats = f"{tokens} tokens · first after {done.get('ttft_s', 0):.2f} s{rate}"
    if tokens and done.get("shown") == 0:
        return f"{stats} · no visible text: it wrote only special tokens (such as end-of-text)"
    return stats


Prompt = Annotated[str, StringConstraints(max_length=MAX_PROMPT)]
SystemPrompt = Annotated[str, StringConstraints(max_length=MAX_SYSTEM)]
Number = Annotated[str, StringConstraints(max_length=24)]


class SendForm(Payload):
    """What the playground's form sends: strings, bounded in length."""

    prompt: Prompt = ""
    system_prompt: SystemPrompt = ""
    temperature: Number = "0.7"
    top_p: Number = "0.95"
    max_new_tokens: Number = "128"


class Settings(BaseModel):
    """How to sample the answers: the form's numbers, finite and within bounds."""

    temperature: float = Field(default=0.7, ge=0, le=2, allow_inf_nan=False)
    top_p: float = Field(default=0.95, gt=0, le=1, allow_inf_nan=False)
    max_new_tokens: int = Field(default=128, ge=1, le=MAX_NEW_TOKENS)


LABELS = {"temperature": "Temperature", "top_p": "Top-p", "max_new_tokens": "Max new tokens"}


def settings_of(form: SendForm) -> Settings | str:
    """The form's sampling settings, or a message naming the field that is wrong."""
    try:
        return Settings.model_validate({name: getattr(form, name).strip() for name in LABELS})
    except ValidationError as error:
        first = error.errors()[0]
        return f"{LABELS[first['loc'][0]]}: {first['msg'].lower()}."


def sampling(form: Settings) -> dict:
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
