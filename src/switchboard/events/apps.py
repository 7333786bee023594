from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "switchboard.events"
    label = "events"

    def ready(self) -> None:
        from . import jobs, nav  # noqa: F401  registers the outbox sweep and the menu item
