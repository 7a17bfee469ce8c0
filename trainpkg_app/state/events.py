"""``@checked(...)``: a handler's arguments are validated before it runs, against its own
annotations or the stricter types named in the decorator (the annotations stay plain ``str`` or
``bool``, which is what Reflex compares with the trigger's type when the page is compiled).

Reflex dispatches any public state method by name with whatever arguments a client sends, and
its own annotation-based conversion lets a value through unchanged when it does not fit. Here a
wrong type, a non-finite number, an oversized string or an unknown choice is refused: the
handler never runs, nothing changes, and the browser shows why (see trainpkg_app.py)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, get_type_hints

from pydantic import ConfigDict, ValidationError, create_model

from trainpkg_app.core.payloads import refusal

T = TypeVar("T")


class EventRefused(ValueError):
    """A client sent arguments that the handler does not accept."""


def follow_ups(*events: Any) -> list:
    """The events a handler returns, without the Nones of helpers that had nothing to add
    (Reflex refuses a None inside a list)."""
    return [event for event in events if event is not None]


def parsed(model: type[T], value: Any) -> T:
    """A form dict checked against its payload model (bounded fields, unknown ones dropped)."""
    try:
        return model.model_validate(value)
    except ValidationError as error:
        raise EventRefused(refusal(error)) from None


def _arguments_model(fn: Callable, types: dict[str, Any]) -> tuple[type, inspect.Signature]:
    signature = inspect.signature(fn)
    hints = get_type_hints(fn, include_extras=True)
    fields: dict[str, Any] = {}
    for name, parameter in list(signature.parameters.items())[1:]:  # after self
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[name] = (types.get(name, hints.get(name, Any)), default)
    config = ConfigDict(strict=True, extra="forbid", arbitrary_types_allowed=True)
    return create_model(f"{fn.__qualname__}.arguments", __config__=config, **fields), signature


def checked(**types: Any) -> Callable[[Callable], Callable]:
    """Refuse the event unless every argument fits (strict: no coercion)."""
    return functools.partial(_checked, types=types)


def _checked(fn: Callable, types: dict[str, Any]) -> Callable:
    unknown = set(types) - set(inspect.signature(fn).parameters)
    if unknown:
        raise TypeError(f"{fn.__qualname__} has no argument {', '.join(sorted(unknown))}")
    model, signature = _arguments_model(fn, types)

    def validate(state: Any, args: tuple, kwargs: dict) -> None:
        try:
            bound = signature.bind(state, *args, **kwargs)
        except TypeError as wrong:
            raise EventRefused(f"Refused: {wrong}.") from None
        arguments = dict(list(bound.arguments.items())[1:])
        try:
            model.model_validate(arguments)
        except ValidationError as error:
            raise EventRefused(refusal(error)) from None

    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def stream(self, *args, **kwargs):
            validate(self, args, kwargs)
            async for item in fn(self, *args, **kwargs):
                yield item

        stream.checked_arguments = model
        return stream
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run(self, *args, **kwargs):
            validate(self, args, kwargs)
            return await fn(self, *args, **kwargs)

        run.checked_arguments = model
        return run

    @functools.wraps(fn)
    def call(self, *args, **kwargs):
        validate(self, args, kwargs)
        return fn(self, *args, **kwargs)

    call.checked_arguments = model  # the inventory test finds it (tests/unit)
    return call
