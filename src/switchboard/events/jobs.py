from switchboard.core.periodic import periodic

from . import services


@periodic(every_seconds=15)
def sweep_outbox() -> None:
    services.sweep_outbox()
