from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AaaConfig(AppConfig):
    name = "switchboard.aaa"
    label = "aaa"
    verbose_name = _("RADIUS AAA")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import handlers, jobs, nav  # noqa: F401  (registers outbox handlers, periodic jobs, the menu item)
