"""Comparing 2-8 of the user's runs on the Runs tab: which are selected, the overlaid chart's
rows (computed here, downsampled), the config diff of their versions, and the CSV export."""

from __future__ import annotations

from typing import Literal

import reflex as rx

from trainpkg_app.core.curves import (
    MAX_RUNS,
    METRICS,
    MIN_RUNS,
    X_AXES,
    Curve,
    axis_gaps,
    chart_rows,
    metrics_csv,
    run_key,
)
from trainpkg_app.core.diff import differing_fields
from trainpkg_app.core.evaluation import EvaluationView, evaluation_view
from trainpkg_app.core.payloads import EntityId, Smoothing
from trainpkg_app.db.errors import NotFound
from trainpkg_app.deploy.comparison import compared_curves, compared_runs
from trainpkg_app.state.events import checked
from trainpkg_app.state.owner import as_owner

# One color per run, Radix steps that follow the light or dark theme.
LINE_COLORS = (
    "var(--blue-9)",
    "var(--orange-9)",
    "var(--grass-9)",
    "var(--crimson-9)",
    "var(--violet-9)",
    "var(--cyan-10)",
    "var(--brown-9)",
    "var(--gray-11)",
)
TOO_MANY = f"Compare at most {MAX_RUNS} runs: clear one first."
CSV_NAME = "run-comparison.csv"


class RunCompareState(rx.State):
    selected: list[str] = []  # run ids, in the order they were ticked
    message: str = ""
    compare_open: bool = False
    metric: str = "loss"
    x_axis: str = "step"
    smoothing: float = 0.0
    log_scale: bool = False
    axis_note: str = ""  # runs with no value on the chosen x axis (no tokens seen logged)
    rows: list[dict[str, float]] = []  # the chart's data: one row per x, r0..r7 per run
    lines: list[dict[str, str]] = []  # key, name (package · version · target), color
    diff_header: list[str] = []
    diff_rows: list[list[str]] = []
    cards: list[EvaluationView] = []  # the compared runs' evaluation cards, side by side
    _compared: list[str] = []  # backend only: the runs on the chart
    _labels: list[str] = []

    @rx.var
    def can_compare(self) -> bool:
        return MIN_RUNS <= len(self.selected) <= MAX_RUNS

    @rx.var
    def selection_label(self) -> str:
        return f"{len(self.selected)} of {MAX_RUNS} selected"

    @rx.var
    def y_scale(self) -> str:
        return "log" if self.log_scale else "auto"

    @rx.var
    def y_domain(self) -> list[str]:
        """A log scale needs a positive domain: the data's own (the rows hold no value <= 0)."""
        return ["dataMin", "dataMax"] if self.log_scale else ["auto", "auto"]

    @rx.var
    def smoothing_text(self) -> str:
        return f"{self.smoothing:.2f}"

    @rx.event
    @checked(run_id=EntityId)
    def select_run(self, run_id: str, value: bool):
        """Tick or clear a run's box; a ninth is refused."""
        if not value:
            self.selected = [chosen for chosen in self.selected if chosen != run_id]
        elif run_id not in self.selected:
            if len(self.selected) >= MAX_RUNS:
                self.message = TOO_MANY
                return
            self.selected = [*self.selected, run_id]
        self.message = ""

    @rx.event
    @checked()
    async def compare(self):
        if not self.can_compare:
            self.message = f"Select {MIN_RUNS} to {MAX_RUNS} runs to compare."
            return
        try:
            runs = await as_owner(self, compared_runs, run_ids=list(self.selected))
        except NotFound as missing:
            self.message, self.compare_open = str(missing), False
            return
        self._compared = list(self.selected)
        self._labels = [run.label for run in runs]
        self.lines = [
            {"key": run_key(index), "name": run.label, "color": LINE_COLORS[index]}
            for index, run in enumerate(runs)
        ]
        self.diff_header = ["Field", *self._labels]
        self.diff_rows = differing_fields([run.snapshot for run in runs])
        self.cards = [evaluation_view(run.evaluation, run.status, run.label) for run in runs]
        self.message, self.compare_open = "", True
        self._draw([run.curve for run in runs])

    @rx.event
    @checked()
    def close_compare(self):
        self.compare_open, self.rows, self._compared = False, [], []

    @rx.event
    @checked(value=Literal[tuple(METRICS)])
    async def set_metric(self, value: str):
        self.metric = value
        await self._redraw()

    @rx.event
    @checked(value=Literal[tuple(X_AXES)])
    async def set_x_axis(self, value: str):
        self.x_axis = value
        await self._redraw()

    @rx.event
    @checked(value=Smoothing)
    async def set_smoothing(self, value: float):
        """The slider's value, 0 to 0.99."""
        self.smoothing = float(value)
        await self._redraw()

    @rx.event
    @checked()
    async def set_log_scale(self, value: bool):
        self.log_scale = value
        await self._redraw()

    @rx.event
    @checked()
    async def download_csv(self):
        curves = await self._curves()
        if not curves:
            return None
        runs = [curve.records for curve in curves]
        return rx.download(
            data=metrics_csv(list(zip(self._labels, runs, strict=True))),
            filename=CSV_NAME,
            mime_type="text/csv",
        )

    async def _curves(self) -> list[Curve] | None:
        """The compared runs' curves, read for their owner (an ended run's kept by the process:
        deploy/held_curves.py)."""
        if not self._compared:
            return None
        try:
            return await as_owner(self, compared_curves, run_ids=self._compared)
        except NotFound as missing:
            self.message, self.compare_open = str(missing), False
            return None

    async def _redraw(self) -> None:
        curves = await self._curves()
        if curves is not None:
            self._draw(curves)

    def _draw(self, curves: list[Curve]) -> None:
        self.rows = chart_rows(curves, self.metric, self.x_axis, self.smoothing, self.log_scale)
        self.axis_note = axis_gaps(self._labels, curves, self.x_axis)
