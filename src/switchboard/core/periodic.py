"""Registry of periodic jobs run by the worker; neither django-tasks nor its DB backend schedules work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: int
    run: Callable[[], object]


_jobs: dict[str, PeriodicJob] = {}


def periodic(*, every_seconds: int) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(fn: Callable[[], object]) -> Callable[[], object]:
        name = f"{fn.__module__}.{fn.__qualname__}"
        _jobs[name] = PeriodicJob(name, every_seconds, fn)
        return fn

    return register


def jobs() -> list[PeriodicJob]:
    return list(_jobs.values())
