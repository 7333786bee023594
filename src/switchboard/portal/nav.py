from django.utils.translation import gettext_lazy as _

from switchboard.core.nav import NavItem, register
from switchboard.core.principal import Permission

register(NavItem("dashboard", _("Dashboard"), "portal:dashboard", Permission.VIEW, 10))
