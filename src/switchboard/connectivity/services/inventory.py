"""The operator's SIM stock: the vendor's CSV imported row by row, and SIMs handed to customers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from switchboard.core.principal import Permission, Principal
from switchboard.events.services import emit
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy.contracts import OrganisationKind

from .. import identifiers
from ..contracts import FormFactor, SimEventType, SimStatus
from ..events import SIM_IMPORT_FINISHED
from ..models import Sim, SimImport, SimPlan
from . import addressing, quotas
from ._common import record_event, require_operator, sims_for_update

COLUMNS = ("iccid", "imsi", "msisdn", "form_factor")
BATCH = 1000
REJECTED_KEPT = 1000  # rows listed in the report; the count covers all
MAX_IMPORT_BYTES = 64 * 1024 * 1024


def default_plan() -> SimPlan:
    plan = SimPlan.objects.filter(is_default=True).first() or SimPlan.objects.order_by("pk").first()
    if plan is None:
        plan = SimPlan.objects.create(name="Standard", is_default=True)
    return plan


def _plan(plan_id: int | None) -> SimPlan:
    if plan_id is None:
        return default_plan()
    plan = SimPlan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise ValidationFailed(_("Unknown SIM plan."), field="plan_id", code="unknown_plan")
    return plan


@transaction.atomic
def sim_import_start(*, principal: Principal, file_name: str, content: bytes, plan_id: int | None = None) -> SimImport:
    """Queue an import; the worker reads it row by row and reports progress."""
    principal.require(Permission.SIMS_MANAGE)
    require_operator(principal)
    if not content.strip():
        raise ValidationFailed(_("The file is empty."), field="file", code="empty")
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed(_("The file is larger than 64 MB; split it."), field="file", code="too_large")
    try:
        header = content[:4096].decode("utf-8-sig").splitlines()[0]
    except UnicodeDecodeError:
        raise ValidationFailed(_("The file must be UTF-8 text (CSV)."), field="file", code="encoding") from None
    columns = _columns(header)
    missing = [c for c in ("iccid", "imsi") if c not in columns]
    if missing:
        raise ValidationFailed(
            _("The first line must name the columns; missing: %(cols)s.") % {"cols": ", ".join(missing)},
            field="file",
            code="missing_columns",
        )
    job = SimImport.objects.create(
        organisation_id=principal.organisation_id,
        created_by=principal.label,
        file_name=(file_name or "sims.csv")[:200],
        content=content,
        plan=_plan(plan_id),
        total_bytes=len(content),
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from ..tasks import run_sim_import

    run_sim_import.enqueue(job_id)


def _columns(header: str) -> list[str]:
    dialect = ";" if header.count(";") > header.count(",") else ","
    return [c.strip().lower().replace(" ", "_") for c in next(csv.reader([header], delimiter=dialect))]


def _rows(content: bytes) -> Iterator[tuple[int, int, dict[str, str]]]:
    """(line number, bytes read so far, row) from the CSV, one line at a time."""
    stream = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
    first = stream.readline()
    delimiter = ";" if first.count(";") > first.count(",") else ","
    columns = _columns(first)
    consumed = len(first.encode())
    for number, line in enumerate(stream, start=2):
        consumed += len(line.encode())
        if not line.strip():
            continue
        values = next(csv.reader([line], delimiter=delimiter), [])
        yield number, consumed, dict(zip(columns, (x.strip() for x in values), strict=False))


def _clean_row(row: dict[str, str]) -> dict:
    errors = []
    cleaned: dict = {}
    for field, check in (("iccid", identifiers.iccid), ("imsi", identifiers.imsi)):
        try:
            cleaned[field] = check(row.get(field, ""), field=field)
        except ValidationFailed as exc:
            errors.append({"field": field, "message": exc.message})
    if row.get("msisdn"):
        try:
            cleaned["msisdn"] = identifiers.msisdn(row["msisdn"])
        except ValidationFailed as exc:
            errors.append({"field": "msisdn", "message": exc.message})
    form = (row.get("form_factor") or FormFactor.TRIPLE.value).upper()
    if form not in {f.value for f in FormFactor}:
        errors.append(
            {
                "field": "form_factor",
                "message": _("Unknown form factor; use one of %(v)s.") % {"v": ", ".join(f.value for f in FormFactor)},
            }
        )
    cleaned["form_factor"] = form
    if errors:
        raise _RowRejected(errors)
    return cleaned


class _RowRejected(Exception):
    def __init__(self, errors: list[dict]):
        self.errors = errors


def _duplicates(batch: list[tuple[int, dict]]) -> dict[int, list[dict]]:
    """Rows whose ICCID, IMSI or MSISDN already belongs to a SIM, or repeats an earlier row of the batch."""
    iccids = [r["iccid"].short for _, r in batch]
    imsis = [r["imsi"] for _, r in batch]
    msisdns = [r["msisdn"] for _, r in batch if r.get("msisdn")]
    taken = Sim.objects.filter(
        Q(iccid__in=iccids) | Q(imsi__in=imsis) | Q(imsi_2__in=imsis) | Q(msisdn__in=msisdns)
    ).values_list("iccid", "imsi", "imsi_2", "msisdn")
    known = {"iccid": set(), "imsi": set(), "msisdn": set()}
    for iccid, imsi, imsi_2, msisdn in taken:
        known["iccid"].add(iccid)
        known["imsi"].update(x for x in (imsi, imsi_2) if x)
        known["msisdn"].add(msisdn)
    problems: dict[int, list[dict]] = {}
    for line, row in batch:
        values = {"iccid": row["iccid"].short, "imsi": row["imsi"], "msisdn": row.get("msisdn")}
        for field, value in values.items():
            if value and value in known[field]:
                problems.setdefault(line, []).append(
                    {"field": field, "message": _("%(value)s is already in use.") % {"value": value}}
                )
            elif value:
                known[field].add(value)
    return problems


def _store(job: SimImport, batch: list[tuple[int, dict]], rejected: list[dict]) -> int:
    problems = _duplicates(batch)
    for line, errors in problems.items():
        rejected.append({"line": line, "errors": errors})
    plan = job.plan
    sims = [
        Sim(
            organisation_id=job.organisation_id,
            plan=plan,
            iccid=row["iccid"].short,
            iccid_with_luhn=row["iccid"].with_luhn,
            imsi=row["imsi"],
            msisdn=row.get("msisdn") or None,
            form_factor=row["form_factor"],
            status=SimStatus.DISABLED,
            data_total=plan.data_bytes,
            data_remaining=plan.data_bytes,
            data_last_added=plan.data_bytes,
            sms_total=plan.sms,
            sms_remaining=plan.sms,
            sms_last_added=plan.sms,
        )
        for line, row in batch
        if line not in problems
    ]
    Sim.objects.bulk_create(sims)
    return len(sims)


def sim_import_run(*, import_id: int) -> SimImport:
    """Process a queued import in batches; each batch commits on its own so progress is visible and kept."""
    with transaction.atomic():
        job = SimImport.objects.select_for_update().filter(pk=import_id, status=SimImport.Status.QUEUED).first()
        if job is None:  # already run, or running elsewhere
            return SimImport.objects.get(pk=import_id)
        job.status = SimImport.Status.RUNNING
        job.save(update_fields=["status", "updated_at"])
    content = bytes(job.content)
    batch: list[tuple[int, dict]] = []
    consumed = 0
    try:
        for line, consumed, row in _rows(content):
            job.rows += 1
            try:
                batch.append((line, _clean_row(row)))
            except _RowRejected as rejected_row:
                _reject(job, {"line": line, "errors": rejected_row.errors})
            if len(batch) >= BATCH:
                _flush(job, batch, consumed)
                batch = []
        _flush(job, batch, len(content))
    except (IntegrityError, DomainError, csv.Error) as exc:
        job.status = SimImport.Status.FAILED
        job.error = str(exc)[:500]
    else:
        job.status = SimImport.Status.DONE
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save()
        emit(
            SIM_IMPORT_FINISHED,
            organisation_id=job.organisation_id,
            payload={"import_id": job.pk, "imported": job.imported, "rejected": job.rejected_count},
        )
    return job


def _reject(job: SimImport, row: dict) -> None:
    job.rejected_count += 1
    if len(job.rejected) < REJECTED_KEPT:
        job.rejected.append(row)


@transaction.atomic
def _flush(job: SimImport, batch: list[tuple[int, dict]], consumed: int) -> None:
    rejected: list[dict] = []
    if batch:
        job.imported += _store(job, batch, rejected)
    for row in sorted(rejected, key=lambda r: r["line"]):
        _reject(job, row)
    job.processed_bytes = consumed
    job.save(update_fields=["rows", "imported", "rejected", "rejected_count", "processed_bytes", "updated_at"])


def activate(sim: Sim, organisation_id: int, at: datetime, *, data: int | None = None, sms: int | None = None) -> None:
    """A SIM leaves the stock: its lifetime starts and it may use the network, with its plan's volumes or those
    of the product it was ordered as."""
    sim.organisation_id = organisation_id
    sim.activation_date = at
    sim.lifetime_end = at + relativedelta(months=sim.plan.lifetime_months)
    sim.status = SimStatus.ENABLED
    quotas.renew(
        sim, data=sim.plan.data_bytes if data is None else data, sms=sim.plan.sms if sms is None else sms, at=at
    )
    sim.save()
    record_event(sim, SimEventType.ASSIGNED, at=at, detail={"organisation_id": organisation_id})


@transaction.atomic
def sims_assign(*, principal: Principal, iccids: Iterable[str], organisation_id: int) -> list[Sim]:
    """Move SIMs from the operator's stock to a customer (orders do this when they ship), each with the static
    address it keeps for life."""
    principal.require(Permission.SIMS_MANAGE)
    require_operator(principal)
    target = tenancy.organisation_ref(organisation_id=organisation_id)
    if target is None or not tenancy.is_below(organisation_id=organisation_id, ancestor_id=principal.organisation_id):
        raise NotFound(_("Organisation not found."), field="organisation_id")
    if target.kind not in (OrganisationKind.CUSTOMER, OrganisationKind.SUB_ORGANISATION):
        raise PermissionDenied(_("SIMs can only be assigned to customers."), field="organisation_id")
    sims = sims_for_update(principal, iccids)
    if not sims:
        raise ValidationFailed(_("Choose at least one SIM."), field="iccids", code="required")
    addressing.assign_addresses(sims, organisation_id)
    at = timezone.now()
    for sim in sims:
        activate(sim, organisation_id, at)
    return sims
