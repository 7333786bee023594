from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..models import DailyUsage, SimEvent


def purge_old_records() -> tuple[int, int]:
    """Usage and events older than the retention period (at least six months, as promised) are deleted."""
    days = settings.SWITCHBOARD["SIM_HISTORY_DAYS"]
    cutoff = timezone.now() - timedelta(days=days)
    usage, _ = DailyUsage.objects.filter(date__lt=cutoff.date()).delete()
    events, _ = SimEvent.objects.filter(timestamp__lt=cutoff).delete()
    return usage, events
