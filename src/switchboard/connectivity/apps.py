from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectivityConfig(AppConfig):
    name = "switchboard.connectivity"
    label = "connectivity"
    verbose_name = _("Connectivity")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from switchboard.tenancy.selectors import register_sim_counter

        # registers outbox handlers, periodic jobs, menu items and stream records
        from . import handlers, jobs, nav, selectors, streams  # noqa: F401

        register_sim_counter(selectors.sim_counts)
