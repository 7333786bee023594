from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    name = "switchboard.sms"
    label = "sms"
    verbose_name = _("SMS")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import nav, streams  # noqa: F401  (menu item; the SMS forwarder's record)
