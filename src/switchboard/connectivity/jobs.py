from switchboard.core.periodic import periodic

from . import services


@periodic(every_seconds=6 * 3600)
def purge_old_records() -> None:
    services.purge_old_records()
