"""The "Try it" playground of a completed run: up to three models (the run, its base, another
of the owner's runs of that base) answer the same prompt side by side, streamed as they come.

Generation runs in the worker process (deploy/playground.py); the answers stream through a
background task that takes the state's lock only to add what came, so one user's playground
never blocks another user's events. Every run id is checked against the owner when the
playground opens and again for each prompt (model_spec)."""

from __future__ import annotations

import asyncio
import time
import uuid

import reflex as rx

from trainpkg_app.core.payloads import EntityId, ShortText
from trainpkg_app.core.playground import (
    DONE,
    FAILED,
    LOADING,
    MAX_MODELS,
    NO_MODEL,
    NOTHING_TO_SEND,
    STOPPED,
    STREAMING,
    TOO_MANY_MODELS,
    Answer,
    Exchange,
    SendForm,
    answer_stats,
    chat_messages,
    history_of,
    sampling,
    settings_of,
    with_answer,
)
from trainpkg_app.db.errors import NotFound
from trainpkg_app.deploy.playground import BASE, choices, model_spec, worker
from trainpkg_app.deploy.records import CannotResume
from trainpkg_app.hub.errors import HubProblem
from trainpkg_app.state.events import checked, parsed
from trainpkg_app.state.owner import as_owner, as_user, session_token
from trainpkg_app.state.tabs import TrainingTabsState

FLUSH_S = 0.05  # tokens are added to the page at most this often per answer
BUSY = "The models are still answering: press Stop first."


class PlaygroundState(rx.State):
    run_id: str = ""
    run_label: str = ""
    choices: list[dict[str, str]] = []  # key, label (no path: the server resolves the key)
    selected: list[str] = []
    exchanges: list[Exchange] = []
    system_prompt: str = ""
    temperature: str = "0.7"
    top_p: str = "0.95"
    max_new_tokens: str = "128"
    generating: bool = False
    message: str = ""
    _serial: int = 0  # the newest generation (Clear and a new run end older ones)
    _stop_serial: int = 0  # Stop was pressed for this generation
    _streamed_serial: int = 0  # the generation whose answers are streaming
    _requests: list[str] = []
    _sampling: dict = {}

    @rx.var
    def selection_label(self) -> str:
        return f"{len(self.selected)} of {MAX_MODELS} models answer"

    @rx.event
    @checked(run_id=EntityId)
    async def open_for_run(self, run_id: str):
        """The Try it button of a completed run: its playground, on the Try it tab."""
        try:
            offered = await as_owner(self, choices, deployment_id=uuid.UUID(run_id))
        except (NotFound, CannotResume) as refused:
            self.message = str(refused)
            return
        self._end_generation()
        self.run_id, self.run_label = run_id, offered[0].label
        self.choices = [{"key": c.key, "label": c.label} for c in offered]
        self.selected = [c.key for c in offered[:2]]  # this run and its base
        self.exchanges, self.message = [], ""
        (await self.get_state(TrainingTabsState)).tab = "playground"

    @rx.event
    @checked(key=ShortText)
    def choose_model(self, key: str, value: bool):
        """Tick or clear a model; a fourth is refused, an unknown key is ignored."""
        if key not in {choice["key"] for choice in self.choices}:
            return
        if not value:
            self.selected = [chosen for chosen in self.selected if chosen != key]
        elif key not in self.selected:
            if len(self.selected) >= MAX_MODELS:
                self.message = TOO_MANY_MODELS
                return
            self.selected = [*self.selected, key]
        self.message = ""

    @rx.event
    @checked()
    def send(self, form: dict):
        """The prompt to every chosen model, with the form's system prompt and settings."""
        sent = parsed(SendForm, form)
        settings = settings_of(sent)
        problem = (
            BUSY
            if self.generating
            else NOTHING_TO_SEND
            if not sent.prompt.strip()
            else NO_MODEL
            if not self.selected
            else settings
            if isinstance(settings, str)
            else ""
        )
        self.system_prompt = sent.system_prompt
        self.temperature, self.top_p = sent.temperature, sent.top_p
        self.max_new_tokens = sent.max_new_tokens
        if problem or not self.run_id:
            self.message = problem
            return None
        labels = {choice["key"]: choice["label"] for choice in self.choices}
        answers = [Answer(key, labels[key]) for key in self.selected]
        self.exchanges = [*self.exchanges, Exchange(sent.prompt.strip(), answers)]
        self.message, self.generating = "", True
        self._serial += 1
        self._requests = [uuid.uuid4().hex for _ in answers]
        self._sampling = sampling(settings)
        return PlaygroundState.generate

    @rx.event
    @checked()
    def stop(self):
        """End the answers now (what came so far stays)."""
        self._stop_all()

    def _stop_all(self) -> None:
        self._stop_serial = self._serial
        for rid in self._requests:
            worker().stop(rid)

    @rx.event
    @checked()
    def clear(self):
        self._end_generation()
        self.exchanges, self.message = [], ""

    def _end_generation(self) -> None:
        self._stop_all()
        self._serial += 1
        self.generating = False

    @rx.event(background=True)
    async def generate(self):
        async with self:
            if not self.generating or self._streamed_serial == self._serial:
                return  # a forged or repeated event: Send starts each prompt's one stream
            self._streamed_serial = self._serial
            serial, run_id, token = self._serial, self.run_id, await session_token(self)
            index = len(self.exchanges) - 1
            exchange = self.exchanges[index]
            system, settings = self.system_prompt, dict(self._sampling)
            jobs = [
                (slot, answer.key, rid, history_of(self.exchanges[:index], answer.key))
                for slot, (answer, rid) in enumerate(
                    zip(exchange.answers, self._requests, strict=True)
                )
            ]
        await asyncio.gather(
            *[
                self._answer(
                    serial,
                    index,
                    slot,
                    key,
                    rid,
                    token,
                    run_id,
                    settings,
                    chat_messages(system, history, exchange.prompt),
                )
                for slot, key, rid, history in jobs
            ]
        )
        async with self:
            if serial == self._serial:
                self.generating = False

    async def _answer(
        self, serial, index, slot, key, rid, token, run_id, settings, messages
    ) -> None:
        """One model's answer, streamed into its slot until done, stopped or superseded."""
        try:
            spec = await as_user(
                token,
                model_spec,
                deployment_id=uuid.UUID(run_id if key == BASE else key),
                base=key == BASE,
            )
        except (NotFound, CannotResume, HubProblem) as refused:
            await self._update(serial, index, slot, status=FAILED, text=str(refused))
            return
        pending, last, stopping = "", 0.0, False
        async for event in worker().stream(rid, spec, messages, settings):
            kind = event["event"]
            if kind == "token":
                pending += event["text"]
                if time.monotonic() - last < FLUSH_S:
                    continue
            last = time.monotonic()
            changes = (
                {"more": pending, "status": STREAMING}
                if kind == "token"
                else {
                    "more": pending,
                    "status": STOPPED if event["stopped"] else DONE,
                    "stats": answer_stats(event),
                }
                if kind == "done"
                else {"status": FAILED, "text": event["message"]}
                if kind == "error"
                else {"status": LOADING}
            )
            pending = ""
            if not await self._update(serial, index, slot, **changes) and not stopping:
                stopping = True  # Stop landed on this app process or another one
                worker().stop(rid)

    async def _update(self, serial: int, index: int, slot: int, **changes) -> bool:
        """Add to an answer; False once it is superseded or Stop was pressed."""
        async with self:
            if serial != self._serial:
                return False
            self.exchanges = with_answer(self.exchanges, index, slot, **changes)
            return self._stop_serial != serial
