from switchboard.core.tasks import task

from . import services


@task()
def deliver_outbox_event(event_id: str) -> None:
    services.deliver_event(event_id=event_id)
