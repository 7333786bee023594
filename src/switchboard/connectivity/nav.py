from django.utils.translation import gettext_lazy as _

from switchboard.core.nav import NavItem, register
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy


def operator_staff(principal: Principal) -> bool:
    """Whether the principal acts in the operator's organisation, which holds the SIM stock."""
    return tenancy.is_operator(organisation_id=principal.organisation_id)


register(
    NavItem("sims", _("My SIMs"), "connectivity:sims", Permission.VIEW, 20),
    NavItem("configuration", _("Configuration"), "connectivity:configuration", Permission.VIEW, 30),
    NavItem("inventory", _("SIM inventory"), "connectivity:inventory", Permission.VIEW, 40, shown_to=operator_staff),
)
