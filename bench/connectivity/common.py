"""What the generator and the runner agree on: Django set-up, the benchmark tenant and its API credentials."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

BIG_CUSTOMER = "Stadtwerke Nord GmbH"
OWNER_EMAIL = "owner@stadtwerke-nord.example"
API_USERNAME = "bench"
API_SECRET = "bench-only-secret-0123456789"  # noqa: S105  (a throw-away benchmark database)


def setup_django() -> None:
    """The production settings, pointed at DATABASE_URL. The API throttle still runs (its cache read and write are
    part of every API request) but per second, so it neither refuses the runner nor keeps a minute of history."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchboard.config.settings")
    os.environ.setdefault("API_RATE", "1000/s")
    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # whitenoise: static files are not collected
    import django

    django.setup()


def database_label() -> str:
    from django.db import connection

    settings = connection.settings_dict
    return f"{connection.vendor} {settings['NAME']}"


@contextmanager
def timed(what: str) -> Iterator[None]:
    started = time.perf_counter()
    print(f"{what} ...", flush=True)
    yield
    print(f"{what}: {time.perf_counter() - started:.1f} s", flush=True)
