from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectivityConfig(AppConfig):
    name = "switchboard.connectivity"
    label = "connectivity"
    verbose_name = _("Connectivity")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from switchboard.tenancy.selectors import register_sim_counter

        from . import jobs, nav, selectors, streams  # noqa: F401  (registers periodic jobs, menu items, stream records)

        register_sim_counter(selectors.sim_counts)
