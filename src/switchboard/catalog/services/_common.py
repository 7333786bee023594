from __future__ import annotations

from django.utils.translation import gettext as _

from switchboard.core.errors import PermissionDenied
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy


def require_operator(principal: Principal) -> None:
    principal.require(Permission.ORGANISATIONS_MANAGE)
    if not tenancy.is_operator(organisation_id=principal.organisation_id):
        raise PermissionDenied(_("Only the operator manages the catalog."), code="operator_only")
