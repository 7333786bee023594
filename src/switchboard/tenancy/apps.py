from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "switchboard.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from . import handlers, nav  # noqa: F401  registers outbox handlers and menu items
