"""What the run panel shows of a run: progress, the loss curve and the costs, from its record."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from trainpkg_app.core.cost import usd

CURVE_KEYS = ("loss", "eval_loss")


@dataclass(frozen=True)
class RunRecord:
    """The fields of a deployment record that the view needs (the db row, without the db)."""

    run_id: str
    status: str
    metrics: list[dict[str, Any]] = field(default_factory=list)
    log_tail: str = ""
    url: str = ""
    error: str = ""
    estimated_cost: Decimal | None = None
    actual_cost: Decimal | None = None


@dataclass(frozen=True)
class RunView:
    run_id: str
    status: str
    progress: int
    step_label: str
    eta: str
    points: list[dict[str, float]]
    log_tail: str
    url: str
    error: str
    estimated_cost: str
    actual_cost: str

    def fields(self) -> dict[str, Any]:
        return asdict(self)


def curve_points(metrics: list[dict[str, Any]]) -> list[dict[str, float]]:
    """One point per logged step that has a train or eval loss."""
    return [
        {"step": m["step"], **{k: m[k] for k in CURVE_KEYS if k in m}}
        for m in metrics
        if "step" in m and any(k in m for k in CURVE_KEYS)
    ]


def run_view(record: RunRecord) -> RunView:
    last = record.metrics[-1] if record.metrics else {}
    max_steps = last.get("max_steps") or 0
    step = last.get("step", 0)
    return RunView(
        run_id=record.run_id,
        status=record.status,
        progress=round(100 * step / max_steps) if max_steps else 0,
        step_label=f"step {step} of {max_steps}" if max_steps else "starting…",
        eta=f"ETA {last['eta_s']:.0f} s" if last.get("eta_s") is not None else "",
        points=curve_points(record.metrics),
        log_tail=record.log_tail,
        url=record.url,
        error=record.error,
        estimated_cost=usd(record.estimated_cost),
        actual_cost=usd(record.actual_cost),
    )
