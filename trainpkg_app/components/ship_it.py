"""Ship it, on a completed run's card: download the model as a zip, merge the adapter into its
base, push to the Hub, and export the package for Axolotl, LLaMA-Factory and TRL."""

import reflex as rx

from trainpkg_app.core.vocabulary import TrainingStatus
from trainpkg_app.state.hub_token import HubTokenState
from trainpkg_app.state.runs import RunState
from trainpkg_app.state.ship_it import ShipItState

FULL_MODEL = "This run fine-tuned the whole model: there is no adapter to merge."


def _heading(text: str) -> rx.Component:
    return rx.heading(text, as_="h4", size="2", margin_top="0.5em")


def _downloads(where: str) -> rx.Component:
    return rx.vstack(
        _heading("Download"),
        rx.hstack(
            rx.button(
                rx.cond(ShipItState.is_adapter, "Download the adapter (.zip)", "Download (.zip)"),
                size="1",
                variant="soft",
                on_click=ShipItState.download("adapter"),
                id=f"{where}-ship-download",
            ),
            rx.cond(
                ShipItState.merge_state == "done",
                rx.button(
                    "Download the merged model (.zip)",
                    size="1",
                    variant="soft",
                    on_click=ShipItState.download("merged"),
                    id=f"{where}-ship-download-merged",
                ),
            ),
            wrap="wrap",
        ),
        spacing="1",
    )


def _merge(where: str) -> rx.Component:
    running = ShipItState.merge_state == "running"
    return rx.vstack(
        _heading("Merge into the base"),
        rx.cond(
            ShipItState.is_adapter,
            rx.vstack(
                rx.button(
                    rx.cond(running, "Merging…", "Merge the adapter into the base"),
                    size="1",
                    variant="soft",
                    disabled=running | (ShipItState.merge_state == "done"),
                    on_click=ShipItState.merge,
                    id=f"{where}-ship-merge",
                ),
                rx.cond(
                    ShipItState.merge_state != "idle",
                    rx.vstack(
                        rx.progress(
                            value=ShipItState.merge_progress,
                            max=100,
                            aria_label="Merge progress",
                        ),
                        rx.text(
                            ShipItState.merge_message,
                            size="1",
                            id=f"{where}-ship-merge-status",
                            color=rx.cond(
                                ShipItState.merge_state == "failed", rx.color("red", 11), None
                            ),
                        ),
                        width="100%",
                        spacing="1",
                    ),
                ),
                width="100%",
                spacing="1",
            ),
            rx.text(FULL_MODEL, size="1"),
        ),
        width="100%",
        spacing="1",
    )


def _push(where: str) -> rx.Component:
    return rx.form(
        rx.vstack(
            _heading("Push to the Hub"),
            rx.el.label(
                rx.text("Repo (owner/name, in your account)", size="1"),
                html_for=f"{where}-ship-repo",
            ),
            rx.input(
                id=f"{where}-ship-repo",
                name="repo_id",
                default_value=ShipItState.push_repo,
                key=ShipItState.push_repo,
                required=True,
                size="1",
                width="100%",
            ),
            rx.hstack(
                rx.el.label(rx.text("Push", size="1"), html_for=f"{where}-ship-what"),
                rx.el.select(
                    rx.el.option(
                        rx.cond(ShipItState.is_adapter, "the adapter", "the model"),
                        value="adapter",
                    ),
                    rx.cond(
                        ShipItState.merge_state == "done",
                        rx.el.option("the merged model", value="merged"),
                    ),
                    id=f"{where}-ship-what",
                    name="what",
                    class_name="native-select compact-select",
                    style={"font_size": "var(--font-size-1)"},
                ),
                rx.checkbox("Private", name="private", default_checked=True, size="1"),
                align="center",
                spacing="3",
            ),
            rx.hstack(
                rx.button(
                    rx.cond(ShipItState.pushing, "Pushing…", "Push to the Hub"),
                    type="submit",
                    size="1",
                    variant="soft",
                    disabled=ShipItState.pushing,
                ),
                rx.button(  # a local run's deploy step has no token line
                    "Set token",
                    type="button",
                    size="1",
                    variant="outline",
                    on_click=HubTokenState.set_dialog_open(True),
                ),
            ),
            rx.cond(
                ShipItState.pushed_url != "",
                rx.link("Open the repo", href=ShipItState.pushed_url, is_external=True, size="1"),
            ),
            spacing="1",
            width="100%",
        ),
        on_submit=ShipItState.push,
        aria_label="Push to the Hub",
    )


def _exports(where: str) -> rx.Component:
    return rx.vstack(
        _heading("Export for other trainers"),
        rx.hstack(
            rx.foreach(
                ShipItState.export_files,
                lambda f: rx.button(
                    f["label"],
                    size="1",
                    variant="outline",
                    on_click=ShipItState.download_export(f["filename"]),
                ),
            ),
            wrap="wrap",
            id=f"{where}-ship-exports",
        ),
        rx.text(
            "Run them from the unzipped package folder (its data/ holds the uploaded files).",
            size="1",
        ),
        spacing="1",
    )


def _body(where: str) -> rx.Component:
    return rx.vstack(
        rx.cond(
            ShipItState.message != "",
            rx.text(ShipItState.message, size="2", role="status", id=f"{where}-ship-message"),
        ),
        rx.cond(
            ShipItState.open_for == RunState.run_id,
            rx.vstack(
                _downloads(where),
                _merge(where),
                _push(where),
                _exports(where),
                width="100%",
                spacing="2",
            ),
        ),
        width="100%",
        spacing="2",
    )


def ship_it(where: str) -> rx.Component:
    """The "Ship it" section of a completed run; ``where`` keeps the element ids unique."""
    return rx.cond(
        RunState.status == TrainingStatus.COMPLETED.value,
        rx.el.details(
            rx.el.summary("Ship it", on_click=ShipItState.open, id=f"{where}-ship-it"),
            _body(where),
            aria_label="Ship it",
        ),
    )
