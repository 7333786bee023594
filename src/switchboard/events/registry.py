"""Outbox handlers by event type. Handlers take the event and must be idempotent: delivery is at least once."""

from __future__ import annotations

from collections.abc import Callable

from .contracts import EventEnvelope

Handler = Callable[[EventEnvelope], None]

_handlers: dict[str, dict[str, Handler]] = {}


def handles(event_type: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers.setdefault(event_type, {})[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    return register


def handler_names(event_type: str) -> list[str]:
    return list(_handlers.get(event_type, {}))


def handler(event_type: str, name: str) -> Handler | None:
    return _handlers.get(event_type, {}).get(name)
