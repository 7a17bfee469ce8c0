"""The Try it tab: choose up to three models, write a prompt, read their answers side by side
(each its own article, named by its model; the answers region is announced as it streams)."""

import reflex as rx

from trainpkg_app.core.playground import MAX_NEW_TOKENS, MAX_PROMPT, MAX_SYSTEM
from trainpkg_app.state.playground import PlaygroundState

STATUS_COLORS = {"done": "green", "stopped": "amber", "failed": "red"}


def try_it_button(run_id: rx.Var, name: str = "Try it") -> rx.Component:
    return rx.button(name, size="1", variant="soft", on_click=PlaygroundState.open_for_run(run_id))


def _model_box(choice: rx.Var) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.checkbox(
                checked=PlaygroundState.selected.contains(choice["key"]),
                on_change=lambda value: PlaygroundState.choose_model(choice["key"], value),
                aria_label=choice["label"],
            ),
            rx.text(choice["label"], size="2", overflow_wrap="anywhere"),
            align="center",
            spacing="2",
        )
    )


def _models() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(rx.text("Models ", PlaygroundState.selection_label, size="2", weight="bold")),
        rx.flex(rx.foreach(PlaygroundState.choices, _model_box), wrap="wrap", gap="4"),
        style={"border": "none", "padding": 0, "margin": 0},
    )


def _number(label: str, name: str, value: rx.Var, **bounds) -> rx.Component:
    return rx.el.label(
        rx.text(label, size="1"),
        rx.input(name=name, type="number", default_value=value, size="1", width="7em", **bounds),
    )


def _settings() -> rx.Component:
    return rx.el.details(
        rx.el.summary("System prompt and sampling"),
        rx.vstack(
            rx.el.label(
                rx.text("System prompt", size="1"),
                rx.text_area(
                    name="system_prompt",
                    default_value=PlaygroundState.system_prompt,
                    max_length=MAX_SYSTEM,
                    rows="2",
                    width="100%",
                ),
                width="100%",
            ),
            rx.hstack(
                _number(
                    "Temperature",
                    "temperature",
                    PlaygroundState.temperature,
                    min=0,
                    max=2,
                    step=0.05,
                ),
                _number("Top-p", "top_p", PlaygroundState.top_p, min=0.01, max=1, step=0.01),
                _number(
                    "Max new tokens",
                    "max_new_tokens",
                    PlaygroundState.max_new_tokens,
                    min=1,
                    max=MAX_NEW_TOKENS,
                    step=1,
                ),
                spacing="4",
                wrap="wrap",
            ),
            spacing="2",
            padding_top="2",
            width="100%",
        ),
    )


def _composer() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(
                rx.text("Prompt", size="2", weight="bold"),
                rx.text_area(
                    name="prompt",
                    id="playground-prompt",
                    max_length=MAX_PROMPT,
                    rows="3",
                    width="100%",
                    placeholder="Ask the models something…",
                ),
                width="100%",
            ),
            _settings(),
            rx.hstack(
                rx.button(
                    "Send", type="submit", loading=PlaygroundState.generating, high_contrast=True
                ),  # axe: contrast in dark mode
                rx.button(
                    "Stop",
                    type="button",
                    color_scheme="red",
                    variant="soft",
                    disabled=~PlaygroundState.generating,
                    on_click=PlaygroundState.stop,
                ),
                rx.button(
                    "Clear", type="button", variant="outline", on_click=PlaygroundState.clear
                ),
                spacing="2",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=PlaygroundState.send,
        reset_on_submit=False,
        aria_label="Prompt the models",
        width="100%",
    )


def _answer(answer: rx.Var) -> rx.Component:
    return rx.el.article(
        rx.hstack(
            rx.heading(answer.label, as_="h4", size="2", overflow_wrap="anywhere"),
            rx.spacer(),
            rx.badge(
                answer.status,
                color_scheme=rx.match(answer.status, *STATUS_COLORS.items(), "gray"),
                high_contrast=True,
            ),
            width="100%",
            align="center",
        ),
        rx.text(
            answer.text,
            size="2",
            white_space="pre-wrap",
            overflow_wrap="anywhere",
            class_name="playground-answer",
        ),
        rx.cond(answer.stats != "", rx.text(answer.stats, size="1", color=rx.color("gray", 11))),
        aria_label=answer.label,
        style={
            "border": f"1px solid {rx.color('gray', 6)}",
            "border_radius": "var(--radius-3)",
            "padding": "0.75rem",
            "background": rx.color("gray", 2),
            "min_width": "0",
        },
    )


def _exchange(exchange: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text("You: ", exchange.prompt, size="2", weight="medium", white_space="pre-wrap"),
        rx.grid(
            rx.foreach(exchange.answers, _answer),
            columns=rx.breakpoints(initial="1", md="3"),
            spacing="3",
            width="100%",
        ),
        spacing="2",
        width="100%",
    )


def _conversation() -> rx.Component:
    return rx.el.section(
        rx.vstack(rx.foreach(PlaygroundState.exchanges, _exchange), spacing="4", width="100%"),
        aria_live="polite",
        aria_label="Answers",
        id="playground-answers",
        style={"width": "100%"},
    )


def playground() -> rx.Component:
    return rx.vstack(
        rx.cond(
            PlaygroundState.message != "",
            rx.callout(PlaygroundState.message, color_scheme="amber", role="alert", size="1"),
        ),
        rx.cond(
            PlaygroundState.run_id == "",
            rx.text(
                "Open a completed run and press Try it to talk to its model beside its base.",
                color=rx.color("gray", 11),
            ),
            rx.vstack(
                rx.heading("Try ", PlaygroundState.run_label, as_="h3", size="4"),
                _models(),
                _composer(),
                _conversation(),
                spacing="4",
                width="100%",
            ),
        ),
        spacing="3",
        padding_top="4",
        width="100%",
    )
