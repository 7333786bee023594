"""Devices leave the stock when an order that contains them is completed."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from switchboard.core.errors import ValidationFailed

from ..models import Device


@transaction.atomic
def devices_hand_out(*, product_id: int, count: int, organisation_id: int, order_id: int) -> list[str]:
    """Serial numbers of `count` devices now belonging to the customer; all or nothing."""
    devices = list(
        Device.objects.select_for_update().filter(product_id=product_id, organisation_id=None).order_by("pk")[:count]
    )
    if len(devices) < count:
        raise ValidationFailed(
            _("Only %(n)s of these devices are in stock; %(wanted)s are needed.")
            % {"n": len(devices), "wanted": count},
            field="quantity",
            code="out_of_stock",
        )
    Device.objects.filter(pk__in=[d.pk for d in devices]).update(organisation_id=organisation_id, order_id=order_id)
    return [d.serial_number for d in devices]
