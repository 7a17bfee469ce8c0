"""The evaluation card of a run, app side: the card train.py wrote into summary.json checked
before it is stored (typed, finite, bounded: it may come from a results repo), and what the
run card, the Runs tab, the version and the compare view show of it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError, field_validator

from trainpkg_app.core.answer_scores import SAMPLES, perplexity, relative_improvement
from trainpkg_app.core.vocabulary import TrainingStatus

KEPT_CHARS = 2000  # per text, as train.py keeps them
PREVIEW_CHARS = 160  # what a cell shows before "Show all"
UNREADABLE = "The run's evaluation card could not be read."
NOT_ENDED = "The card comes when the run completes."
NO_CARD = "This run has no evaluation card (it ran before cards were added)."
FAILED = "The run did not complete, so it has no evaluation card."


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


class Losses(BaseModel):
    eval_loss: float | None = None

    @field_validator("eval_loss", mode="before")
    @classmethod
    def _finite_loss(cls, value):
        return _finite(value)


class Scores(BaseModel):
    exact_match: float
    f1: float

    @field_validator("exact_match", "f1")
    @classmethod
    def _fraction(cls, value: float) -> float:
        if not 0 <= value <= 1:
            raise ValueError("a score is a fraction")
        return value


class Sample(BaseModel):
    prompt: str
    reference: str
    base: str
    tuned: str

    @field_validator("prompt", "reference", "base", "tuned", mode="before")
    @classmethod
    def _bounded(cls, value):
        return str(value)[:KEPT_CHARS]


class Card(BaseModel):
    """What is stored on the run: perplexity and improvement are computed here again from the
    losses, so a stored card never contradicts itself."""

    base: Losses
    tuned: Losses
    eval_rows: int = 0
    samples: list[Sample] = []
    scores: dict[str, Scores] | None = None

    @field_validator("samples", mode="before")
    @classmethod
    def _at_most(cls, value):
        return list(value or [])[:SAMPLES]

    def stored(self) -> dict[str, Any]:
        base, tuned = self.base.eval_loss, self.tuned.eval_loss
        return self.model_dump() | {
            "base": {"eval_loss": base, "perplexity": perplexity(base)},
            "tuned": {"eval_loss": tuned, "perplexity": perplexity(tuned)},
            "improvement": relative_improvement(base, tuned),
        }


def card_from_summary(summary: dict | None) -> dict[str, Any] | None:
    """The card to store from a run's summary: checked, or {"missing": why}; None when the
    summary has none (an older train.py, or a run that died before writing one)."""
    raw = (summary or {}).get("evaluation")
    if not isinstance(raw, dict):
        return None
    if "base" not in raw:
        missing = raw.get("missing")
        return {"missing": str(missing)[:300]} if missing else None
    try:
        return Card.model_validate(raw).stored()
    except ValidationError:
        return {"missing": UNREADABLE}


def _loss(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _ppl(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _percent(fraction: float | None, digits: int = 1) -> str:
    return "—" if fraction is None else f"{fraction * 100:.{digits}f} %"


def improvement_text(improvement: float | None) -> str:
    """-51.5 % (a minus sign) when the loss fell by about half (lower is better), +3.0 % when
    it rose."""
    if improvement is None:
        return "—"
    return f"{-improvement * 100:+.1f} %".replace("-", "−")


def compact_line(card: dict[str, Any] | None) -> str:
    """One line for lists: "eval loss 2.3100 → 1.1200 (-51.5 %)" (a minus sign); "" without
    a card."""
    if not card or "base" not in card:
        return ""
    base, tuned = card["base"]["eval_loss"], card["tuned"]["eval_loss"]
    return f"eval loss {_loss(base)} → {_loss(tuned)} ({improvement_text(card.get('improvement'))})"


@dataclass(frozen=True)
class MetricRow:
    label: str
    base: str
    tuned: str
    change: str


@dataclass(frozen=True)
class SampleRow:
    """One sample generation; each text with a preview for the cell and the whole of it."""

    number: str
    prompt: str
    prompt_preview: str
    reference: str
    reference_preview: str
    base: str
    base_preview: str
    tuned: str
    tuned_preview: str
    # Which texts are longer than their preview (the card offers the whole of those):
    prompt_long: bool
    reference_long: bool
    base_long: bool
    tuned_long: bool


@dataclass(frozen=True)
class EvaluationView:
    available: bool = False
    reason: str = ""  # why there is no card
    title: str = ""  # the run it belongs to, in the compare view
    summary: str = ""
    rows: list[MetricRow] = field(default_factory=list)
    samples: list[SampleRow] = field(default_factory=list)


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def _sample_row(number: int, sample: dict[str, str]) -> SampleRow:
    texts = {key: sample.get(key, "") for key in ("prompt", "reference", "base", "tuned")}
    previews = {f"{key}_preview": _preview(text) for key, text in texts.items()}
    long = {
        f"{key}_long": len(" ".join(text.split())) > PREVIEW_CHARS for key, text in texts.items()
    }
    return SampleRow(number=str(number), **texts, **previews, **long)


def _metric_rows(card: dict[str, Any]) -> list[MetricRow]:
    base, tuned = card["base"], card["tuned"]
    rows = [
        MetricRow(
            "Eval loss",
            _loss(base["eval_loss"]),
            _loss(tuned["eval_loss"]),
            improvement_text(card.get("improvement")),
        ),
        MetricRow("Perplexity", _ppl(base["perplexity"]), _ppl(tuned["perplexity"]), ""),
    ]
    scores = card.get("scores") or {}
    if scores.get("base") and scores.get("tuned"):
        for key, label in (("exact_match", "Exact match"), ("f1", "Token F1")):
            was, now = scores["base"][key], scores["tuned"][key]
            change = f"{(now - was) * 100:+.1f} pts".replace("-", "−")
            rows.append(MetricRow(label, _percent(was), _percent(now), change))
    return rows


def evaluation_view(card: dict[str, Any] | None, status: str, title: str = "") -> EvaluationView:
    """What the evaluation card shows of a run, or why it has none."""
    if card and "base" in card:
        return EvaluationView(
            available=True,
            title=title,
            summary=(
                f"Base and fine-tuned model on {card.get('eval_rows', 0)} held-out rows"
                " (greedy decoding)"
            ),
            rows=_metric_rows(card),
            samples=[_sample_row(n, s) for n, s in enumerate(card.get("samples") or [], 1)],
        )
    if card and card.get("missing"):
        reason = card["missing"]
    elif status in (TrainingStatus.PENDING, TrainingStatus.RUNNING, ""):
        reason = NOT_ENDED
    elif status == TrainingStatus.COMPLETED:
        reason = NO_CARD
    else:
        reason = FAILED
    return EvaluationView(available=False, reason=reason, title=title)
