from django.utils.translation import gettext_lazy as _

from switchboard.core.nav import NavItem, register
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy


def operator_staff(principal: Principal) -> bool:
    return tenancy.is_operator(organisation_id=principal.organisation_id)


register(NavItem("smsc", _("SMSC"), "sms:smsc", Permission.INTEGRATIONS_MANAGE, 46, shown_to=operator_staff))
