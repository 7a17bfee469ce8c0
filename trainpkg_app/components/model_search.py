"""Hub model search: a debounced search box, results, and the chosen model's facts."""

import reflex as rx

from trainpkg_app.components.feedback import busy_line, problem_callout
from trainpkg_app.state.model_search import ModelSearchState


def _hit(hit: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.el.button(
            rx.vstack(
                rx.hstack(
                    rx.text(hit["model_id"], weight="medium"),
                    rx.cond(
                        hit["gated"] != "",
                        rx.badge("gated", color_scheme="amber", high_contrast=True),
                    ),
                    align="center",
                ),
                rx.text(hit["details"], size="1", color=rx.color("gray", 11)),
                spacing="0",
                align="start",
            ),
            type="button",
            on_click=ModelSearchState.choose(hit["model_id"]),
            class_name="search-hit",
        ),
    )


def model_search() -> rx.Component:
    return rx.vstack(
        rx.el.label("Search the Hub", html_for="model-search", class_name="field-label"),
        rx.input(
            id="model-search",
            type="search",
            value=ModelSearchState.query,
            on_change=ModelSearchState.set_query,
            debounce_timeout=350,
            placeholder="qwen, llama, mistral…",
            width="100%",
        ),
        rx.cond(ModelSearchState.searching, busy_line("Searching the Hub…")),
        rx.cond(
            ModelSearchState.looking_up != "",
            busy_line("Fetching the details of " + ModelSearchState.looking_up + "…"),
        ),
        rx.cond(ModelSearchState.problem != "", problem_callout(ModelSearchState.problem)),
        rx.cond(
            ModelSearchState.cached.length() > 0,
            rx.vstack(
                rx.text("Cached on this machine:", size="2", weight="medium"),
                rx.hstack(
                    rx.foreach(
                        ModelSearchState.cached,
                        lambda model_id: rx.button(
                            model_id,
                            size="1",
                            variant="soft",
                            on_click=ModelSearchState.choose(model_id),
                        ),
                    ),
                    wrap="wrap",
                ),
            ),
        ),
        rx.cond(
            ModelSearchState.hits.length() > 0,
            rx.el.ul(
                rx.foreach(ModelSearchState.hits, _hit),
                aria_label="Search results",
                class_name="search-hits",
            ),
        ),
        spacing="2",
        width="100%",
    )


def model_facts_list(facts: rx.Var) -> rx.Component:
    return rx.cond(
        facts.length() > 0,
        rx.el.dl(
            rx.foreach(
                facts,
                lambda fact: rx.fragment(
                    rx.el.dt(fact["label"]), rx.el.dd(rx.code(fact["value"], variant="ghost"))
                ),
            ),
            class_name="model-facts",
            aria_label="Model facts",
        ),
    )
