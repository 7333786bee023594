from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalConfig(AppConfig):
    default = True
    name = "switchboard.portal"
    label = "portal"

    def ready(self) -> None:
        from . import nav  # noqa: F401


class AdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "switchboard.portal.admin_site.OperatorAdminSite"
