from __future__ import annotations

from django.utils.translation import gettext as _

from switchboard.core.errors import PermissionDenied
from switchboard.core.principal import Principal
from switchboard.tenancy import selectors as tenancy


def require_operator(principal: Principal) -> None:
    if not tenancy.is_operator(organisation_id=principal.organisation_id):
        raise PermissionDenied(_("Only the operator manages the RADIUS clients."), code="operator_only")
