from django.utils.translation import gettext_lazy as _

from switchboard.core.nav import NavItem, register
from switchboard.core.principal import Permission

register(
    NavItem("account", _("Account"), "tenancy:account", Permission.VIEW, 60),
    NavItem("users", _("Users"), "tenancy:users", Permission.VIEW, 70),
    NavItem("organisation", _("Organisation"), "tenancy:organisation", Permission.VIEW, 80),
)
