"""The evaluation card's rules that train.py runs too (copied beside it as answer_scores.py, so
stdlib only): which held-out rows become the sample prompts, what the prompt and the reference
of a row are, and exact match / token-F1 of an answer (SQuAD's normalisation)."""

from __future__ import annotations

import hashlib
import math
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

SAMPLES = 8  # sample generations on the card
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(answer: str, reference: str) -> float:
    return float(normalize_answer(answer) == normalize_answer(reference))


def token_f1(answer: str, reference: str) -> float:
    """The harmonic mean of token precision and recall after normalisation (SQuAD)."""
    said, wanted = normalize_answer(answer).split(), normalize_answer(reference).split()
    if not said or not wanted:
        return float(said == wanted)
    common = sum((Counter(said) & Counter(wanted)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(said), common / len(wanted)
    return 2 * precision * recall / (precision + recall)


def mean_scores(pairs: Sequence[tuple[str, str]]) -> dict[str, float] | None:
    """Mean exact match and token-F1 of (answer, reference) pairs, as fractions; None when
    there are none."""
    if not pairs:
        return None
    return {
        "exact_match": round(sum(exact_match(a, r) for a, r in pairs) / len(pairs), 4),
        "f1": round(sum(token_f1(a, r) for a, r in pairs) / len(pairs), 4),
    }


def _text_of(content: Any) -> str:
    """A message's content as text (a list of parts keeps its text parts)."""
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def prompt_and_reference(row: dict) -> tuple[Any, str, str] | None:
    """(what the model is given, the prompt as text, the reference answer) of a row in one of
    TRL's shapes: prompt/completion (strings or messages), messages (up to the last assistant
    turn), or plain text (its first half, the rest as the reference). None when the row has
    nothing to ask."""
    if "messages" in row:
        messages = list(row["messages"] or [])
        last = max(
            (i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=None
        )
        if not last:  # no answer, or nothing before it
            return None
        given = messages[:last]
        return (
            given,
            "\n".join(_text_of(m.get("content")) for m in given),
            _text_of(messages[last].get("content")),
        )
    if "prompt" in row:
        prompt, completion = row["prompt"], row.get("completion")
        if isinstance(prompt, list):
            text = "\n".join(_text_of(m.get("content")) for m in prompt)
            answer = " ".join(_text_of(m.get("content")) for m in completion or [])
            return (prompt, text, answer) if text.strip() else None
        prompt = str(prompt or "")
        return (prompt, prompt, str(completion or "")) if prompt.strip() else None
    words = str(row.get("text") or "").split(" ")
    if len(words) < 2:
        return None
    cut = len(words) // 2
    prompt = " ".join(words[:cut])
    return prompt, prompt, " ".join(words[cut:])


def sample_key(prompt_text: str) -> str:
    """A stable hash of the prompt text: the same prompts are chosen whatever their order."""
    return hashlib.sha256(prompt_text.encode("utf-8")).hexdigest()


def pick_samples(rows: Iterable[dict], count: int = SAMPLES) -> list[tuple[Any, str, str]]:
    """The ``count`` held-out rows with the smallest prompt hashes (one per distinct prompt),
    as prompt_and_reference gives them: two versions with the same data get the same ones."""
    chosen: dict[str, tuple[Any, str, str]] = {}
    for row in rows:
        found = prompt_and_reference(row)
        if found is not None:
            chosen.setdefault(sample_key(found[1]), found)
    return [chosen[key] for key in sorted(chosen)[:count]]


def perplexity(loss: float | None) -> float | None:
    """exp(loss); None for a missing, infinite or overflowing one."""
    if loss is None or not math.isfinite(loss) or loss > 700:
        return None
    return math.exp(loss)


def relative_improvement(base: float | None, tuned: float | None) -> float | None:
    """How much lower the fine-tuned eval loss is, as a fraction of the base one."""
    if base is None or tuned is None or not math.isfinite(base) or not math.isfinite(tuned):
        return None
    return (base - tuned) / base if base > 0 else None
