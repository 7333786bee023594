from __future__ import annotations

from django.utils.translation import gettext as _

from switchboard.core.errors import PermissionDenied
from switchboard.core.principal import Principal
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy.contracts import OrganisationKind


def require_operator(principal: Principal) -> None:
    ref = tenancy.organisation_ref(organisation_id=principal.organisation_id)
    if ref is None or ref.kind is not OrganisationKind.OPERATOR:
        raise PermissionDenied(_("Only the operator manages the RADIUS clients."), code="operator_only")
