from switchboard.core.periodic import continuous, periodic

from . import services


@periodic(every_seconds=15)
def sweep_outbox() -> None:
    services.sweep_outbox()


@periodic(every_seconds=600)
def purge_outbox_and_streams() -> None:
    """Streams first: their expired items hold outbox events back from the outbox's purge."""
    services.purge_streams()
    services.purge_outbox()


@continuous(idle_seconds=0.05)
def pump_streams() -> bool:
    return services.pump_streams()
