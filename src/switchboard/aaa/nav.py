from django.utils.translation import gettext_lazy as _

from switchboard.core.errors import PermissionDenied
from switchboard.core.nav import NavItem, register
from switchboard.core.principal import Permission, Principal

from .services._common import require_operator


def operator_staff(principal: Principal) -> bool:
    """The item shows exactly where the pages' own operator check lets the principal in."""
    try:
        require_operator(principal)
    except PermissionDenied:
        return False
    return True


register(NavItem("radius", _("RADIUS clients"), "aaa:clients", Permission.VIEW, 45, shown_to=operator_staff))
