"""Registries of the worker's own jobs (neither django-tasks nor its DB backend schedules work): periodic jobs run
every so many seconds; continuous loops run again at once while they find work and pause briefly when idle, for
work whose delay counts (data streams: a record should reach its receiver within a second of its commit)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: int
    run: Callable[[], object]


@dataclass(frozen=True)
class ContinuousLoop:
    name: str
    idle_seconds: float
    run: Callable[[], bool]  # True when it did some work, so the next round starts at once


_jobs: dict[str, PeriodicJob] = {}
_loops: dict[str, ContinuousLoop] = {}


def _name(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def periodic(*, every_seconds: int) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(fn: Callable[[], object]) -> Callable[[], object]:
        _jobs[_name(fn)] = PeriodicJob(_name(fn), every_seconds, fn)
        return fn

    return register


def continuous(*, idle_seconds: float) -> Callable[[Callable[[], bool]], Callable[[], bool]]:
    def register(fn: Callable[[], bool]) -> Callable[[], bool]:
        _loops[_name(fn)] = ContinuousLoop(_name(fn), idle_seconds, fn)
        return fn

    return register


def jobs() -> list[PeriodicJob]:
    return list(_jobs.values())


def loops() -> list[ContinuousLoop]:
    return list(_loops.values())
