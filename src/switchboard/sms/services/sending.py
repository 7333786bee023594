"""MT SMS as customers send them: checked, counted against the SIM's quota and the monthly limit, queued for the
gateway. A refusal (quota, limit, disabled SIM) sends nothing and answers with 1NCE's message."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.connectivity import identifiers
from switchboard.connectivity import selectors as connectivity
from switchboard.connectivity import services as network
from switchboard.connectivity.contracts import SmsDirection
from switchboard.core import validation
from switchboard.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from switchboard.core.principal import Permission, Principal
from switchboard.events.services import audit_record, emit

from .. import encoding, operators
from ..contracts import SmsStatus, SmsType, SourceAddressType
from ..models import Sms

DEFAULT_VALIDITY = timedelta(hours=48)
MAX_VALIDITY = timedelta(days=7)
MAX_BULK = 1000
TEXT_CODINGS = (0, 8)
DATA_CODING = 4


@dataclass(frozen=True)
class MtRequest:
    """An MT message as the portal or an API gives it; only `payload` is required."""

    payload: str
    udh: str = ""
    dcs: int | None = None
    source_address: str = ""
    source_address_type: int | None = None
    expiry_date: datetime | None = None


@dataclass(frozen=True)
class Prepared:
    payload: str
    udh: str
    dcs: int
    parts: int
    source_address: str
    source_address_type: SourceAddressType
    expiry_date: datetime


@dataclass(frozen=True)
class BulkOutcome:
    iccid: str
    sms: Sms | None
    error: DomainError | None


def _prepare(request: MtRequest, now: datetime) -> Prepared:
    """Every check that needs no SIM, so a bulk send refuses bad input before touching any SIM."""
    payload = request.payload if isinstance(request.payload, str) else ""
    if not payload:
        raise ValidationFailed(_("Enter the text of the SMS."), field="payload", code="required")
    dcs = 0 if request.dcs is None else request.dcs
    if dcs not in (*TEXT_CODINGS, DATA_CODING):
        raise ValidationFailed(_("The data coding must be 0 (text), 4 (8-bit data) or 8 (UCS-2)."), field="dcs")
    udh = (request.udh or "").strip()
    try:
        if udh or dcs == DATA_CODING:
            message = encoding.from_raw(payload, dcs=dcs, udh_hex=udh)
        else:
            message = encoding.split(payload, reference=0, force_ucs2=dcs == 8)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="udh" if udh and "udh" in str(exc).lower() else "payload") from None
    if len(message.parts) > encoding.MAX_PARTS:
        raise ValidationFailed(
            _("The text is too long: at most %(n)d SMS parts are sent as one message.") % {"n": encoding.MAX_PARTS},
            field="payload",
            code="too_long",
        )
    source_type = _source_type(request.source_address_type)
    source = _source_address(request.source_address, source_type)
    expiry = _expiry(request.expiry_date, now)
    return Prepared(payload, udh.upper(), message.data_coding, len(message.parts), source, source_type, expiry)


def _source_type(value: int | None) -> SourceAddressType:
    if value is None:
        return SourceAddressType.INTERNATIONAL
    try:
        return SourceAddressType(value)
    except ValueError:
        raise ValidationFailed(
            _("The source address type must be 145 (international), 161 (national) or 208 (alphanumeric)."),
            field="source_address_type",
        ) from None


def _source_address(value: str, kind: SourceAddressType) -> str:
    source = validation.text(value, field="source_address", max_length=20, required=False).lstrip("+")
    if not source:
        return ""
    if kind is SourceAddressType.ALPHANUMERIC:
        if len(source) > 11 or not source.isascii():
            raise ValidationFailed(
                _("An alphanumeric sender has at most 11 letters and digits."), field="source_address"
            )
    elif not source.isdigit() or len(source) > 15:
        raise ValidationFailed(_("A numeric sender has at most 15 digits."), field="source_address")
    return source


def _expiry(value: datetime | None, now: datetime) -> datetime:
    if value is None:
        return now + DEFAULT_VALIDITY
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.utc)
    if value <= now:
        raise ValidationFailed(_("The expiry date must lie in the future."), field="expiry_date", code="past")
    if value > now + MAX_VALIDITY:
        raise ValidationFailed(_("An SMS can be kept for at most 7 days."), field="expiry_date", code="too_far")
    return value


def sms_send(
    *, principal: Principal, iccid: str, request: MtRequest, idempotency_key: str = "", at: datetime | None = None
) -> Sms:
    """Queue an MT SMS to a SIM; with an `idempotency_key` a retry returns the message of the first call."""
    principal.require(Permission.SMS_SEND)
    key = validation.idempotency_key(idempotency_key)
    sim = connectivity.sim_get(principal=principal, iccid=iccid)
    earlier = _existing(principal, key)
    if earlier is not None:
        return earlier
    now = at or timezone.now()
    return _queue(principal, sim, _prepare(request, now), key, now)


def sms_send_bulk(
    *, principal: Principal, iccids: list[str], request: MtRequest, idempotency_key: str = ""
) -> list[BulkOutcome]:
    """The same message to many SIMs; each SIM is accepted or refused on its own (its quota, its state)."""
    principal.require(Permission.SMS_SEND)
    key = validation.idempotency_key(idempotency_key)
    wanted = list(dict.fromkeys(i.strip() for i in iccids if isinstance(i, str) and i.strip()))
    if not wanted:
        raise ValidationFailed(_("Name at least one SIM."), field="iccids", code="required")
    if len(wanted) > MAX_BULK:
        raise ValidationFailed(_("At most 1,000 SIMs per request."), field="iccids", code="too_many")
    now = timezone.now()
    prepared = _prepare(request, now)
    sims = {sim.iccid: sim for sim in connectivity.sims_get(principal=principal, iccids=wanted)}
    for index, iccid in enumerate(wanted):  # a SIM that is not the caller's refuses the whole request, as elsewhere
        if identifiers.iccid_lookup(iccid) not in sims:
            raise NotFound(_("SIM not found."), field=f"iccids[{index}]", code="sim_not_found")
    outcomes = []
    for iccid in wanted:
        try:
            sim = sims[identifiers.iccid_lookup(iccid)]
            item_key = _item_key(key, sim.iccid) if key else ""
            sms = _existing(principal, item_key) or _queue(principal, sim, prepared, item_key, now)
            outcomes.append(BulkOutcome(iccid, sms, None))
        except DomainError as exc:
            outcomes.append(BulkOutcome(iccid, None, exc))
    return outcomes


def _item_key(key: str, iccid: str) -> str:
    """One SIM's share of a bulk send's key: a digest, so a long key cannot crowd the ICCID out (keys have 100
    characters at most, and the item keys of one bulk send must all differ)."""
    return "bulk-" + hashlib.sha256(f"{key}\n{iccid}".encode()).hexdigest()


def _existing(principal: Principal, key: str) -> Sms | None:
    if not key:
        return None
    return Sms.objects.filter(organisation_id=principal.organisation_id, idempotency_key=key).first()


def _queue(principal: Principal, sim, prepared: Prepared, key: str, now: datetime) -> Sms:
    if not sim.msisdn:
        raise ValidationFailed(_("The SIM has no MSISDN, so it cannot receive SMS."), field="iccid", code="no_msisdn")
    try:
        with transaction.atomic():
            decision = network.admit_sms(sim_id=sim.pk, direction=SmsDirection.MT, parts=prepared.parts, at=now)
            if not decision.accepted:
                sms = None  # the refusal event stays; nothing is queued
            else:
                sms = Sms.objects.create(
                    organisation_id=sim.organisation_id,
                    operator_id=operators.operator_of(sim.organisation_id),
                    sim=sim,
                    type=SmsType.MT,
                    status=SmsStatus.PENDING,
                    payload=prepared.payload,
                    udh=prepared.udh,
                    dcs=prepared.dcs,
                    source_address=prepared.source_address,
                    source_address_type=prepared.source_address_type,
                    destination_address=sim.msisdn or "",
                    msisdn=sim.msisdn or "",
                    imsi=sim.imsi,
                    parts=prepared.parts,
                    submit_date=now,
                    expiry_date=prepared.expiry_date,
                    retry_date=now,
                    idempotency_key=key,
                    created_by=principal.label,
                )
                emit_usage(sms)
                audit_record(
                    principal=principal,
                    action="sms.sent",
                    object_type="sim",
                    object_id=sim.pk,
                    object_repr=sim.iccid,
                    before=None,
                    after={"sms_id": sms.pk, "parts": sms.parts},
                )
    except IntegrityError:  # the same key at the same moment: the other call made the message
        earlier = _existing(principal, key)
        if earlier is None:
            raise
        return earlier
    if sms is None:
        raise Conflict(decision.message, field="payload", code="sms_refused")
    return sms


def emit_usage(sms: Sms) -> None:
    """The usage record data streams carry for every SMS (1NCE streams one per SMS)."""
    emit(
        "sms.usage",
        organisation_id=sms.organisation_id,
        payload={
            "sms_id": sms.pk,
            "event_id": f"sms-{sms.pk}",
            "sim_id": sms.sim_id,
            "iccid": sms.sim.iccid,
            "imsi": sms.imsi,
            "msisdn": sms.msisdn,
            "direction": SmsType(sms.type).name,
            "parts": sms.parts,
            "timestamp": sms.submit_date.isoformat(),
        },
    )


@transaction.atomic
def sms_cancel(*, principal: Principal, iccid: str, sms_id: int) -> Sms:
    """Cancel a pending MT. One the SMSC has not taken yet gives its SMS back to the SIM's quota."""
    principal.require(Permission.SMS_SEND)
    sim = connectivity.sim_get(principal=principal, iccid=iccid)
    sms = Sms.objects.select_for_update().filter(pk=sms_id, sim=sim).first() if isinstance(sms_id, int) else None
    if sms is None:
        raise NotFound(_("SMS not found."), field="id", code="sms_not_found")
    if sms.type != SmsType.MT or sms.status != SmsStatus.PENDING:
        raise Conflict(_("Only a pending MT SMS can be cancelled."), field="id", code="not_pending")
    now = timezone.now()
    if sms.claimed_until is not None and sms.claimed_until > now:
        raise Conflict(
            _("The SMS is being handed to the SMSC at this moment; try again in a few seconds."),
            field="id",
            code="in_flight",
        )
    sms.status = SmsStatus.CANCELLED
    sms.final_date = now
    sms.retry_date = None
    sms.save(update_fields=["status", "final_date", "retry_date"])
    if not sms.submitted:
        network.refund_sms(sim_id=sim.pk, direction=SmsDirection.MT, parts=sms.parts, at=sms.submit_date)
    audit_record(
        principal=principal,
        action="sms.cancelled",
        object_type="sim",
        object_id=sim.pk,
        object_repr=sim.iccid,
        before={"sms_id": sms.pk, "status": "PENDING"},
        after={"sms_id": sms.pk, "status": "CANCELLED"},
    )
    return sms
