from switchboard.core.periodic import periodic

from . import services


@periodic(every_seconds=3600)
def purge_sessions() -> None:
    services.purge_sessions()
