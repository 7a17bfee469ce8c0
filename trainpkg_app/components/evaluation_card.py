"""The evaluation card of a run (core/evaluation.EvaluationView): base vs fine-tuned eval loss,
perplexity and improvement, exact match and token-F1 when present, and the sample generations,
each an article (prompt, reference, base, fine-tuned) whose long texts open on request; a run
without a card says why."""

import reflex as rx

TEXTS = (
    ("prompt", "Prompt"),
    ("reference", "Reference"),
    ("base", "Base"),
    ("tuned", "Fine-tuned"),
)


def _metric_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.label),
        rx.table.cell(row.base),
        rx.table.cell(row.tuned),
        rx.table.cell(row.change),
    )


def _metrics(view: rx.Var) -> rx.Component:
    return rx.table.root(
        rx.el.caption(
            rx.text(view.summary, size="1", color=rx.color("gray", 11)),
            style={"caption_side": "top", "text_align": "left"},
        ),
        rx.table.header(
            rx.table.row(
                *[rx.table.column_header_cell(c) for c in ("", "Base", "Fine-tuned", "Change")]
            )
        ),
        rx.table.body(rx.foreach(view.rows, _metric_row)),
        size="1",
    )


def _text(sample: rx.Var, key: str, label: str) -> rx.Component:
    """One text of a sample: its preview, and the whole of it behind "Show all" when cut."""
    preview, whole = sample[f"{key}_preview"], sample[key]
    return rx.el.div(
        rx.text(label, weight="bold", size="1", as_="div", color=rx.color("gray", 11)),
        rx.cond(
            sample[f"{key}_long"],
            rx.el.details(
                rx.el.summary(rx.text(preview, size="2", as_="span")),
                rx.el.pre(whole, class_name="yaml-preview"),
            ),
            rx.text(rx.cond(whole != "", whole, "(empty)"), size="2", as_="div"),
        ),
        class_name=f"eval-text eval-{key}",
    )


def _sample(sample: rx.Var) -> rx.Component:
    return rx.el.article(
        rx.text("Sample ", sample.number, weight="bold", size="1", as_="div"),
        rx.el.div(*[_text(sample, key, label) for key, label in TEXTS], class_name="eval-grid"),
        aria_label="Sample " + sample.number,
        class_name="eval-sample",
    )


def _card_body(view: rx.Var, open_samples: bool) -> rx.Component:
    return rx.vstack(
        rx.box(_metrics(view), overflow_x="auto", width="100%"),
        rx.cond(
            view.samples.length() > 0,
            rx.el.details(
                rx.el.summary(
                    rx.text(
                        "Sample generations (", view.samples.length(), ")", size="2", as_="span"
                    )
                ),
                rx.vstack(rx.foreach(view.samples, _sample), spacing="2", width="100%"),
                open=open_samples,
            ),
        ),
        spacing="2",
        width="100%",
    )


def evaluation_card(
    view: rx.Var, heading_id: str | rx.Var, open_samples: bool = False
) -> rx.Component:
    """The card of one run; ``heading_id`` is unique on the page; the sample generations are
    open from the start with ``open_samples`` (the compare view), else one click away."""
    return rx.el.section(
        rx.vstack(
            rx.heading(
                "Evaluation",
                rx.cond(view.title != "", rx.fragment(": ", view.title)),
                size="2",
                as_="h3",
                id=heading_id,
            ),
            rx.cond(
                view.available,
                _card_body(view, open_samples),
                rx.text(view.reason, size="2", color=rx.color("gray", 11)),
            ),
            spacing="2",
            width="100%",
        ),
        aria_labelledby=heading_id,
        class_name="evaluation-card",
        width="100%",
    )
