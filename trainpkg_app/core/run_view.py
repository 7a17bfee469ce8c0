"""What the run panel shows of a run: progress, the loss curve and the costs, from its record."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from trainpkg_app.core.cost import usd
from trainpkg_app.core.curves import ROWS, Curve, metric_rows, run_key
from trainpkg_app.core.doctor import Finding, diagnose
from trainpkg_app.core.evaluation import EvaluationView, evaluation_view
from trainpkg_app.core.resume import EXTENDABLE, RESUMABLE
from trainpkg_app.core.vocabulary import TrainingStatus
from trainpkg_app.core.webhook import log_lines

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
    doctor: str = "off"  # the version's Config field: off, warn or stop
    finished_at: datetime | None = None
    chain: str = ""  # Resume/Extend: what the run went on from (core/resume.chain_label)
    planned_by_steps: bool = True  # the version plans steps (else epochs): what Extend adds
    webhook_log: list[dict[str, Any]] = field(default_factory=list)  # its delivery attempts
    evaluation: dict[str, Any] | None = None  # its evaluation card (core/evaluation.py)


RULE_TITLES = {
    "nan_loss": "Loss is NaN or infinite",
    "divergence": "Training diverged",
    "grad_explosion": "Gradient norm exploded",
    "overfitting": "Overfitting",
    "early_spikes": "Early loss spikes",
}


@dataclass(frozen=True)
class FindingRow:
    """A doctor finding as the run panel shows it: on the chart (start..end) and in words."""

    title: str
    step: int
    start_step: int
    end_step: int
    evidence: str
    fix: str


def finding_row(finding: Finding, last_step: int) -> FindingRow:
    """The row of a finding; a one-step region gets a width that the chart can show."""
    pad = max(1, round(last_step / 100)) if finding.start_step == finding.end_step else 0
    return FindingRow(
        title=RULE_TITLES[finding.rule],
        step=finding.step,
        start_step=max(0, finding.start_step - pad),
        end_step=finding.end_step + pad,
        evidence=finding.evidence,
        fix=finding.fix,
    )


def _findings(record: RunRecord, last_step: int) -> list[FindingRow]:
    if record.doctor == "off":
        return []
    return [finding_row(f, last_step) for f in diagnose(record.metrics)]


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
    findings: list[FindingRow]
    chain: str
    can_resume: bool  # failed or cancelled: it may go on from its checkpoint
    can_extend: bool  # completed: it may train further
    extend_unit: str  # "steps" or "epochs"
    webhook: list[str]  # the run-end webhook's delivery log, in words
    evaluation: EvaluationView

    def fields(self) -> dict[str, Any]:
        """Field name to value (rows stay typed: the state's vars are declared with them)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def curve_points(metrics: list[dict[str, Any]], limit: int = ROWS) -> list[dict[str, float]]:
    """The train and eval losses by step: each logged one while they fit in ``limit`` rows,
    else downsampled as the compare chart is (first, last, each bucket's minimum and maximum),
    so that a 10,000-step run's panel is not sent 10,000 points every second."""
    rows = metric_rows(Curve(metrics), CURVE_KEYS, "step", limit)
    names = {run_key(index): key for index, key in enumerate(CURVE_KEYS)}
    return [
        {"step": row["x"], **{names[key]: value for key, value in row.items() if key != "x"}}
        for row in rows
    ]


def run_view(record: RunRecord) -> RunView:
    last = record.metrics[-1] if record.metrics else {}
    max_steps = last.get("max_steps") or 0
    step = last.get("step", 0)
    active = record.status in (TrainingStatus.PENDING, TrainingStatus.RUNNING)
    return RunView(
        run_id=record.run_id,
        status=record.status,
        progress=round(100 * step / max_steps) if max_steps else 0,
        step_label=f"step {step} of {max_steps}" if max_steps else "starting…",
        eta=f"ETA {last['eta_s']:.0f} s" if active and last.get("eta_s") is not None else "",
        points=curve_points(record.metrics),
        log_tail=record.log_tail,
        url=record.url,
        error=record.error,
        estimated_cost=usd(record.estimated_cost),
        actual_cost=usd(record.actual_cost),
        findings=_findings(record, step),
        chain=record.chain,
        can_resume=record.status in RESUMABLE,
        can_extend=record.status in EXTENDABLE,
        extend_unit="steps" if record.planned_by_steps else "epochs",
        webhook=log_lines(record.webhook_log),
        evaluation=evaluation_view(record.evaluation, record.status),
    )


RECENT = timedelta(days=1)  # a run that ended longer ago is no news when the tab comes back


def end_notice(status: str, error: str, label: str) -> str:
    """What the user is told when a run ends: how, and why when it did not complete."""
    if status == TrainingStatus.COMPLETED:
        return f"The run of {label} completed."
    if error.startswith("Stopped by "):  # a cap or the doctor: "... was stopped by the ..."
        return f"The run of {label} was s{error[1:]}"
    how = "failed" if status == TrainingStatus.FAILED else "was stopped"
    return f"The run of {label} {how}: {error}" if error else f"The run of {label} {how}."


def is_news(record: RunRecord, now: datetime) -> bool:
    """An ended run worth telling a returning tab about: it ended within a day."""
    return record.finished_at is not None and now - record.finished_at <= RECENT
