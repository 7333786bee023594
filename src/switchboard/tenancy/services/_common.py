from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from switchboard.core.errors import NotFound
from switchboard.core.principal import Principal
from switchboard.events.services import audit_record

from ..models import Organisation


def snapshot(obj: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def audit(
    principal: Principal, action: str, obj: models.Model, *, before=None, after=None, organisation_id: int | None = None
) -> None:
    audit_record(
        principal=principal,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        object_repr=str(obj),
        before=before,
        after=after,
        organisation_id=organisation_id,
    )


def own_organisation(principal: Principal, *, lock: bool = False) -> Organisation:
    organisations = Organisation.objects.select_for_update() if lock else Organisation.objects
    try:
        return organisations.get(pk=principal.organisation_id)
    except Organisation.DoesNotExist:
        raise NotFound(_("Organisation not found.")) from None
