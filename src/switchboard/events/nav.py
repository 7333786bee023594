from django.utils.translation import gettext_lazy as _

from switchboard.core.nav import NavItem, register
from switchboard.core.principal import Permission

register(
    NavItem("audit", _("Audit log"), "events:audit", Permission.AUDIT_VIEW, 90),
    NavItem("streams", _("Data streams"), "streams:streams", Permission.INTEGRATIONS_MANAGE, 31),
    NavItem("sms_forwarding", _("SMS forwarding"), "streams:sms_forwarding", Permission.INTEGRATIONS_MANAGE, 32),
)
