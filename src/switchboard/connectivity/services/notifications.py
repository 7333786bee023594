"""Volume notifications (1NCE): which volume conditions of its SIMs an organisation hears of by e-mail, and who.

The mails themselves go out from the outbox handler (`connectivity.handlers`) when the SIM events come."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from switchboard.core.errors import FieldError, ValidationFailed
from switchboard.core.principal import Permission, Principal
from switchboard.events.services import audit_record
from switchboard.tenancy import selectors as tenancy

from ..contracts import VolumeCondition, VolumeNotificationSettings
from ..models import VolumeNotification


def _conditions(values: Sequence[str]) -> list[VolumeCondition]:
    """The chosen conditions, each once, in their fixed order."""
    chosen = set(values)
    unknown = sorted(chosen - {condition.value for condition in VolumeCondition})
    if unknown:
        raise ValidationFailed(
            _("Unknown condition: %(value)s.") % {"value": unknown[0]}, field="conditions", code="unknown_condition"
        )
    return [condition for condition in VolumeCondition if condition.value in chosen]


def _members(principal: Principal, user_ids: Sequence[int]) -> list[int]:
    """The chosen users, each once; every one must belong to the organisation (named by its place in the list)."""
    members = set(tenancy.members_list(principal=principal).values_list("user_id", flat=True))
    message = _("This user is not a member of your organisation.")
    errors = [
        FieldError(f"user_ids[{index}]", "not_a_member", message)
        for index, user_id in enumerate(user_ids)
        if user_id not in members
    ]
    if errors:
        raise ValidationFailed(message, field=errors[0].field, code="not_a_member", errors=errors)
    return list(dict.fromkeys(user_ids))


@transaction.atomic
def volume_notifications_set(
    *, principal: Principal, conditions: Sequence[str], user_ids: Sequence[int]
) -> VolumeNotificationSettings:
    """Replace the organisation's choice: the conditions mailed about and the users who get the mails."""
    principal.require(Permission.INTEGRATIONS_MANAGE)
    chosen = [condition.value for condition in _conditions(conditions)]
    recipients = _members(principal, user_ids)
    row, _created = VolumeNotification.objects.select_for_update().get_or_create(
        organisation_id=principal.organisation_id
    )
    before = {"conditions": row.conditions, "user_ids": row.user_ids}
    row.conditions, row.user_ids = chosen, recipients
    row.save()
    after = {"conditions": chosen, "user_ids": recipients}
    if before != after:
        audit_record(
            principal=principal,
            action="volume_notifications.updated",
            object_type="volume_notifications",
            object_id=row.pk,
            object_repr=_("Volume notifications"),
            before=before,
            after=after,
        )
    return VolumeNotificationSettings(tuple(map(VolumeCondition, chosen)), tuple(recipients), row.updated_at)
