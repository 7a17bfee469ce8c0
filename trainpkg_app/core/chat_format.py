"""Chat templates, and which tokens carry the loss: the same code builds the preview and the
labels that train.py trains on (copied beside it as chat_format.py, so stdlib only).

A tokenizer is passed in (duck-typed, transformers' API); nothing here imports a library."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_CHATML_TURNS = (
    "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' }}"
    "{%- if message['role'] == 'assistant' %}{%- generation %}"
    "{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}{{- '\\n' }}"
    "{%- else %}{{- message['content'] + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
_QWEN_SYSTEM = (
    "{%- if messages[0]['role'] != 'system' %}"
    "{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{%- endif %}"
)
_ALTERNATE = (
    "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant') }}"
    "{%- endif %}"
)
_LLAMA3 = (
    "{%- for message in messages %}{%- if loop.index0 == 0 %}{{- bos_token }}{%- endif %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"
    "{%- if message['role'] == 'assistant' %}{%- generation %}"
    "{{- message['content'] | trim + '<|eot_id|>' }}{%- endgeneration %}"
    "{%- else %}{{- message['content'] | trim + '<|eot_id|>' }}{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)
_GEMMA = (
    "{{- bos_token }}{%- for message in messages %}" + _ALTERNATE + "{%- set role = 'model' if "
    "message['role'] == 'assistant' else message['role'] %}"
    "{{- '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"
    "{%- endfor %}{%- if add_generation_prompt %}{{- '<start_of_turn>model\\n' }}{%- endif %}"
)
_MISTRAL = (
    "{{- bos_token }}{%- for message in messages %}" + _ALTERNATE + "{%- if message['role'] == "
    "'user' %}{{- '[INST] ' + message['content'] + ' [/INST]' }}"
    "{%- else %}{{- message['content'] + eos_token }}{%- endif %}{%- endfor %}"
)
_PHI = (
    "{%- for message in messages %}"
    "{{- '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|assistant|>\\n' }}{%- else %}{{- eos_token }}"
    "{%- endif %}"
)
# choice -> (label, template); "family" and "none" are resolved by resolve_template
TEMPLATES: dict[str, tuple[str, str | None]] = {
    "chatml": ("ChatML", _CHATML_TURNS),
    "llama3": ("Llama 3", _LLAMA3),
    "gemma": ("Gemma", _GEMMA),
    "mistral": ("Mistral", _MISTRAL),
    "qwen": ("Qwen", _QWEN_SYSTEM + _CHATML_TURNS),
    "phi": ("Phi", _PHI),
}
CHOICE_LABELS = {
    "family": "The model family's own for chats (ChatML when unknown); none for prompt/completion",
    **{key: label for key, (label, _) in TEMPLATES.items()},
    "none": "None: plain prompt and completion",
}
# the architecture's prefix -> its family's template
FAMILIES = {"Llama": "llama3", "Gemma": "gemma", "Mistral": "mistral", "Qwen": "qwen"}
FAMILIES |= {"Phi": "phi"}
GENERATION = re.compile(r"\{%-?\s*generation\s*-?%\}")


def resolve_template(choice: str, architecture: str | None, chats: bool = True) -> str | None:
    """The key of the template a model without one gets (None: no template). By default
    ("family") only chat data gets one: prompt/completion data then stays TRL's plain
    prompt-completion format, which a base model's tokenizer reads as it is."""
    if choice == "none" or (choice == "family" and not chats):
        return None
    if choice == "family":
        family = next((k for p, k in FAMILIES.items() if (architecture or "").startswith(p)), None)
        return family or "chatml"
    return choice if choice in TEMPLATES else "chatml"


def has_generation_markers(template: str | None) -> bool:
    return bool(template and GENERATION.search(template))


def _common_prefix(text: Sequence, other: Sequence) -> int:
    """How many leading items (characters or token ids) the two share."""
    size = 0
    for a, b in zip(text, other, strict=False):
        if a != b:
            break
        size += 1
    return size


def answer_mask(
    render: Callable[..., str], tokenize: Callable[[str], list[int]], messages: Sequence[dict]
) -> tuple[list[int], list[int]]:
    """(ids, mask) of ``render(messages)``, the mask 1 on the assistant turns, found by rendering
    each prefix: an answer starts after the prompt with its generation header and ends where
    the turn's own rendering stops matching the whole conversation (its end-of-turn token
    included). Compared token by token, as TRL finds a completion."""
    ids = tokenize(render(messages, add_generation_prompt=False))
    mask = [0] * len(ids)
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prompt = render(messages[:index], add_generation_prompt=True) if index else ""
        start = _common_prefix(tokenize(prompt), ids)
        end = _common_prefix(
            tokenize(render(messages[: index + 1], add_generation_prompt=False)), ids
        )
        mask[start:end] = [1] * max(end - start, 0)
    return ids, mask


def _with_eos(text: str, eos: str | None) -> str:
    return text if not eos or text.endswith(eos) else text + eos


def _chat_ids(tokenizer, messages, **kwargs) -> dict:
    return tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True, **kwargs)


def _conversation(tokenizer, messages: list, answers_only: bool) -> tuple[list, list]:
    if not answers_only:
        ids = list(_chat_ids(tokenizer, messages)["input_ids"])
        return ids, [1] * len(ids)
    if has_generation_markers(tokenizer.chat_template):  # TRL's assistant_only_loss
        out = _chat_ids(tokenizer, messages, return_assistant_tokens_mask=True)
        return list(out["input_ids"]), list(out["assistant_masks"])
    return own_mask(tokenizer, messages)


def own_mask(tokenizer, messages: list) -> tuple[list, list]:
    """(ids, mask) of a conversation whose template has no generation markers."""

    def render(part, add_generation_prompt):
        return tokenizer.apply_chat_template(
            list(part), tokenize=False, add_generation_prompt=add_generation_prompt
        )

    def tokenize(text):
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    return answer_mask(render, tokenize, messages)


def _prompt_completion(tokenizer, row: dict, answers_only: bool) -> tuple[list, list]:
    """As TRL tokenizes prompt-completion rows: the completion starts where the prompt alone
    and the whole row stop sharing tokens."""
    prompt, completion = row["prompt"], row["completion"]
    if isinstance(prompt, list):
        prompt_ids = _chat_ids(tokenizer, prompt, add_generation_prompt=True)["input_ids"]
        ids = _chat_ids(tokenizer, prompt + completion)["input_ids"]
    else:
        prompt_ids = tokenizer(text=prompt)["input_ids"]
        ids = tokenizer(text=prompt + _with_eos(completion, tokenizer.eos_token))["input_ids"]
    ids = list(ids)
    start = _common_prefix(prompt_ids, ids) if answers_only else 0
    return ids, [0] * start + [1] * (len(ids) - start)


def encode(tokenizer, row: dict, answers_only: bool) -> tuple[list[int], list[int]]:
    """(input ids, loss mask) of one TRL row (messages, prompt/completion or text), as train.py
    trains on it; 1 marks a token that carries loss."""
    if "messages" in row:
        return _conversation(tokenizer, row["messages"], answers_only)
    if "prompt" in row:
        return _prompt_completion(tokenizer, row, answers_only)
    ids = list(tokenizer(text=_with_eos(row["text"], tokenizer.eos_token))["input_ids"])
    return ids, [1] * len(ids)


def labels_of(ids: Sequence[int], mask: Sequence[int]) -> list[int]:
    return [token if keep else -100 for token, keep in zip(ids, mask, strict=True)]
