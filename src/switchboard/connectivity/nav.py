from django.utils.translation import gettext_lazy as _

from switchboard.core.nav import NavItem, register
from switchboard.core.principal import Permission

register(
    NavItem("sims", _("My SIMs"), "connectivity:sims", Permission.VIEW, 20),
    NavItem("configuration", _("Configuration"), "connectivity:configuration", Permission.VIEW, 30),
)
