from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..models import Session

# A gateway that never sent a Stop (lost packet, crash) leaves a session open; after this long without any report
# it is closed so that the SIM's Disconnect-Requests and the open-sessions view stop pointing at it.
STALE_AFTER = timedelta(days=2)


def purge_sessions() -> tuple[int, int]:
    """Closed sessions are kept as long as SIM history (their counters guard against late retransmissions only
    for minutes); sessions silent for days are closed. Returns (deleted, closed)."""
    now = timezone.now()
    deleted, _ = Session.objects.filter(
        stopped_at__lt=now - timedelta(days=settings.SWITCHBOARD["SIM_HISTORY_DAYS"])
    ).delete()
    closed = Session.objects.filter(stopped_at=None, updated_at__lt=now - STALE_AFTER).update(stopped_at=now)
    return deleted, closed
