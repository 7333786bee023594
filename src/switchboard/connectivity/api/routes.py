"""Native API of the connectivity context: thin handlers over services and selectors.

Literal paths under /sims are declared before /sims/{iccid}, which would otherwise swallow them.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from switchboard.core.api import Paging, paged
from switchboard.core.errors import ValidationFailed

from .. import exports, selectors, services
from ..contracts import Service, SimStatus
from ..services.inventory import MAX_IMPORT_BYTES
from .schemas import (
    AssignIn,
    AssignOut,
    BulkAction,
    BulkIn,
    BulkOut,
    DashboardOut,
    ExportQuery,
    IccidsIn,
    ImeiLockIn,
    ImeiLockOut,
    ImportDetailOut,
    ImportOut,
    LimitsIn,
    LimitsOut,
    LimitStepOut,
    NetworkSettingsOut,
    Period,
    PlanOut,
    QuotasOut,
    SimDetailOut,
    SimEventOut,
    SimOut,
    SimPageQuery,
    SimPatchIn,
    SimRefOut,
    TransferIn,
    TransferOut,
    UsageDayOut,
    UsageIn,
    UsageOut,
    UsageTotalOut,
    VolumeNotificationsIn,
    VolumeNotificationsOut,
)

router = Router(tags=["sims"])
MAX_ICCID_LIST_BYTES = 4 * 1024 * 1024  # 100,000 ICCIDs, one a line, take about 2 MB


def _iccid_list(upload: UploadedFile) -> str:
    content = upload.read(MAX_ICCID_LIST_BYTES + 1)
    if len(content) > MAX_ICCID_LIST_BYTES:
        raise ValidationFailed(_("The file is larger than 4 MB; split it."), field="file", code="too_large")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(_("The file must be UTF-8 text (CSV or TXT)."), field="file", code="encoding") from None


@router.get("/sims", response=list[SimOut])
def sims_list(request, response: HttpResponse, query: Query[SimPageQuery]):
    sims = selectors.sims_list(principal=request.auth, filters=query.to_filters()).select_related("connectivity")
    return paged(response, sims, query)


EXPORT_CONTENT = {
    "description": "The file, streamed",
    "content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
}


@router.get("/sims/export", openapi_extra={"responses": {200: EXPORT_CONTENT}})
def sims_export(request, query: Query[ExportQuery]):
    """The filtered list as a CSV or XLSX download, streamed; volumes in MB as in the portal's export."""
    return exports.export_response(principal=request.auth, fmt=query.format, filters=query.to_filters())


@router.post("/sims/bulk", response=BulkOut)
def sims_bulk(request, payload: BulkIn):
    """One action on many SIMs, all or nothing: an ICCID that is not yours refuses the request (404)."""
    principal, action = request.auth, payload.action
    if action is BulkAction.LABEL_PREFIX:
        count = services.sims_set_label_prefix(principal=principal, iccids=payload.iccids, prefix=payload.prefix)
    elif action in (BulkAction.IMEI_LOCK, BulkAction.IMEI_UNLOCK):
        locked = action is BulkAction.IMEI_LOCK
        count = services.sims_set_imei_lock(principal=principal, locked=locked, iccids=payload.iccids)
    else:
        status = SimStatus.ENABLED if action is BulkAction.ENABLE else SimStatus.DISABLED
        count = services.sims_set_status(principal=principal, iccids=payload.iccids, status=status)
    return {"action": action, "count": count}


@router.put("/sims/imei-lock", response=ImeiLockOut)
def sims_imei_lock_all(request, payload: ImeiLockIn):
    """Lock (or unlock) every SIM of the organisation to the device it is in."""
    changed = services.sims_set_imei_lock(principal=request.auth, locked=payload.locked)
    return {"locked": payload.locked, "changed": changed}


@router.post("/sims/quotas", response=list[QuotasOut])
def sims_quotas(request, payload: IccidsIn):
    """Data and SMS quotas of up to 1,000 SIMs in one call; ICCIDs that are not yours are left out."""
    return selectors.sims_get(principal=request.auth, iccids=payload.iccids)


@router.post("/sims/usage", response=list[UsageTotalOut])
def sims_usage(request, payload: UsageIn):
    """Usage totals of up to 1,000 SIMs over a period; ICCIDs that are not yours are left out."""
    totals = selectors.sims_usage(principal=request.auth, iccids=payload.iccids, start=payload.start, end=payload.end)
    return [{"iccid": iccid, **UsageOut.from_orm(usage).model_dump()} for iccid, usage in totals.items()]


@router.post("/sims/transfer", response=TransferOut)
def sims_transfer(request, payload: TransferIn):
    """Between the master organisation and its sub-organisations; never sub → sub. All or nothing."""
    return _transfer(
        request.auth,
        payload.target_organisation,
        payload.iccids,
        [(r.from_, r.to) for r in payload.iccid_ranges],
    )


@router.post("/sims/transfer/file", response=TransferOut)
def sims_transfer_file(request, file: File[UploadedFile], target_organisation: Form[int | None] = None):
    """The same with a CSV/TXT upload: ICCIDs one a line or comma-separated, `FROM;TO` for a range."""
    iccids, ranges = services.parse_iccid_list(_iccid_list(file))
    return _transfer(request.auth, target_organisation, iccids, ranges)


def _transfer(principal, target: int | None, iccids, ranges) -> dict:
    count = services.sims_transfer(principal=principal, target_organisation_id=target, iccids=iccids, ranges=ranges)
    return {"target_organisation": principal.organisation_id if target is None else target, "transferred": count}


@router.get("/sims/{iccid}", response=SimDetailOut)
def sim_get(request, iccid: str):
    """Either ICCID form."""
    return selectors.sim_get(principal=request.auth, iccid=iccid)


@router.patch("/sims/{iccid}", response=SimDetailOut)
def sim_update(request, iccid: str, payload: SimPatchIn):
    """Only the fields sent change; `"label": ""` clears the label."""
    change = services.SimChange(iccid, **payload.dict(exclude_unset=True))
    return services.sim_update(principal=request.auth, change=change)


@router.post("/sims/{iccid}/reset", response={202: SimRefOut})
def sim_reset(request, iccid: str):
    """202: the network drops the data session shortly; a CONNECTION_RESET event records the request."""
    return Status(202, services.sim_reset(principal=request.auth, iccid=iccid))


@router.get("/sims/{iccid}/events", response=list[SimEventOut])
def sim_events(request, iccid: str, response: HttpResponse, paging: Query[Paging]):
    """Newest first."""
    return paged(response, selectors.sim_events(principal=request.auth, iccid=iccid), paging)


@router.get("/sims/{iccid}/usage", response=list[UsageDayOut])
def sim_usage(request, iccid: str, period: Query[Period]):
    """Daily rows, newest first, in bytes and messages."""
    return selectors.sim_usage(principal=request.auth, iccid=iccid, start=period.start, end=period.end)


@router.get("/dashboard", response=DashboardOut)
def dashboard(request):
    """SIMs per data and SMS volume group, and the organisation's usage of the last six months."""
    return selectors.dashboard(principal=request.auth)


@router.get("/limits", response=LimitsOut)
def limits_get(request):
    chosen = selectors.limits_get(principal=request.auth)
    return {"data": chosen[Service.DATA], "sms_mo": chosen[Service.SMS_MO], "sms_mt": chosen[Service.SMS_MT]}


@router.put("/limits", response=LimitsOut)
def limits_set(request, payload: LimitsIn):
    """Monthly limits for all SIMs of the organisation, reset on the 1st."""
    services.limits_set(
        principal=request.auth,
        data_step_id=payload.data_limit_id,
        sms_mo_step_id=payload.sms_mo_limit_id,
        sms_mt_step_id=payload.sms_mt_limit_id,
    )
    return limits_get(request)


@router.get("/volume-notifications", response=VolumeNotificationsOut, tags=["volume notifications"])
def volume_notifications_get(request):
    """The volume conditions (under 20 %, used up, monthly limit reached) mailed to the chosen users; the SIM
    events themselves also go to the event data streams."""
    return selectors.volume_notifications_get(principal=request.auth)


@router.put("/volume-notifications", response=VolumeNotificationsOut, tags=["volume notifications"])
def volume_notifications_set(request, payload: VolumeNotificationsIn):
    return services.volume_notifications_set(
        principal=request.auth, conditions=payload.conditions, user_ids=payload.user_ids
    )


@router.get("/limit-steps", response=list[LimitStepOut])
def limit_steps(request, service: Service | None = None):
    """The monthly limits the operator offers; their ids go into PUT /limits."""
    return selectors.limit_steps(service=service)


@router.get("/network-settings", response=NetworkSettingsOut)
def network_settings(request):
    """APN and SMSC, the networks of the organisation's static addresses (for VPN routing), and the address pools
    they come from with how many addresses are in use and free."""
    return selectors.network_settings(principal=request.auth)


@router.post("/inventory/imports", response={202: ImportOut}, tags=["inventory"])
def import_start(request, file: File[UploadedFile], plan_id: Form[int | None] = None):
    """The SIM vendor's CSV (ICCID, IMSI, MSISDN, form factor) into the operator's stock; 202, runs in the
    background: poll GET /inventory/imports/{id} for progress and rejected rows."""
    content = file.read(MAX_IMPORT_BYTES + 1)  # the service refuses anything larger
    job = services.sim_import_start(principal=request.auth, file_name=file.name, content=content, plan_id=plan_id)
    return Status(202, job)


@router.get("/inventory/imports", response=list[ImportOut], tags=["inventory"])
def imports_list(request, response: HttpResponse, paging: Query[Paging]):
    return paged(response, selectors.sim_imports(principal=request.auth), paging)


@router.get("/inventory/imports/{import_id}", response=ImportDetailOut, tags=["inventory"])
def import_get(request, import_id: int):
    return selectors.sim_import_get(principal=request.auth, import_id=import_id)


@router.post("/inventory/assign", response=AssignOut, tags=["inventory"])
def stock_assign(request, payload: AssignIn):
    """SIMs leave the stock for a customer: activated, with the lifetime and volumes of their plan."""
    sims = services.sims_assign(principal=request.auth, iccids=payload.iccids, organisation_id=payload.organisation_id)
    return {"organisation_id": payload.organisation_id, "assigned": len(sims), "iccids": [s.iccid for s in sims]}


@router.get("/inventory/plans", response=list[PlanOut], tags=["inventory"])
def plans_list(request):
    return selectors.inventory_plans(principal=request.auth)
