from django.utils.translation import gettext_lazy as _

from switchboard.core.nav import NavItem, register
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy.contracts import OrganisationKind


def operator_staff(principal: Principal) -> bool:
    """Whether the principal acts in the operator's organisation, which holds the SIM stock."""
    ref = tenancy.organisation_ref(organisation_id=principal.organisation_id)
    return ref is not None and ref.kind is OrganisationKind.OPERATOR


register(
    NavItem("sims", _("My SIMs"), "connectivity:sims", Permission.VIEW, 20),
    NavItem("configuration", _("Configuration"), "connectivity:configuration", Permission.VIEW, 30),
    NavItem("inventory", _("SIM inventory"), "connectivity:inventory", Permission.VIEW, 40, shown_to=operator_staff),
)
