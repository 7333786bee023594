from django.utils.translation import gettext_lazy as _

from switchboard.core.nav import NavItem, register
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy


def operator_staff(principal: Principal) -> bool:
    """The item shows exactly where the pages' own operator check (services.require_operator) lets one in."""
    return tenancy.is_operator(organisation_id=principal.organisation_id)


register(NavItem("radius", _("RADIUS clients"), "aaa:clients", Permission.VIEW, 45, shown_to=operator_staff))
