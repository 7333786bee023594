"""Shapes of the native SIM API. Volumes are in bytes (data) or messages (SMS); times are ISO 8601."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from ninja import Schema
from pydantic import Field, field_validator

from switchboard.core.api import Paging

from .. import selectors, services
from ..contracts import (
    THRESHOLD_PERCENT,
    ConnectivityStatus,
    FailureCause,
    QuotaStatus,
    Service,
    SimEventType,
    SimFilters,
    SimStatus,
)

MAX_BATCH = 1000
VolumeGroup = Literal["available", "low", "exhausted"]
GROUPS = {status.slug: status for status in QuotaStatus}


class SimQuery(Schema):
    """The filters of My SIMs; every one narrows the list further."""

    search: str = Field("", description="ICCID, IMSI or MSISDN prefix, or part of the label")
    status: SimStatus | None = None
    data_group: VolumeGroup | None = Field(None, description="Data volume left: 20-100 %, under 20 %, none")
    sms_group: VolumeGroup | None = Field(None, description="SMS left: 20-100 %, under 20 %, none")
    connectivity: ConnectivityStatus | None = None
    iccid: str = Field("", description="Exact, with or without the check digit")
    imsi: str = ""
    msisdn: str = ""
    imei: str = ""
    ip_address: str = ""
    label: str = Field("", description="Part of the label")
    sort: str = Field("", description="Comma-separated keys, '-' for descending: " + ", ".join(selectors.SORT_KEYS))

    def to_filters(self) -> SimFilters:
        return SimFilters(
            search=self.search,
            status=self.status,
            data_group=GROUPS[self.data_group] if self.data_group else None,
            sms_group=GROUPS[self.sms_group] if self.sms_group else None,
            connectivity=self.connectivity,
            iccid=self.iccid,
            imsi=self.imsi,
            msisdn=self.msisdn,
            imei=self.imei,
            ip_address=self.ip_address,
            label=self.label,
            sort=tuple(key.strip() for key in self.sort.split(",") if key.strip()),
        )


class SimPageQuery(SimQuery, Paging):
    """Page sizes up to 500."""


class ExportQuery(SimQuery):
    format: Literal["csv", "xlsx"] = "csv"


class QuotaOut(Schema):
    remaining: int
    total: int
    last_added: int = Field(description="The volume of the last top-up or renewal")
    percent_left: int
    status: VolumeGroup
    threshold_percent: int = THRESHOLD_PERCENT
    expiry_date: datetime | None = Field(description="Volume expires with the SIM's lifetime")
    threshold_reached_at: datetime | None
    exhausted_at: datetime | None


def quota(sim: Any, kind: str) -> dict[str, Any]:
    remaining, total = getattr(sim, f"{kind}_remaining"), getattr(sim, f"{kind}_total")
    return {
        "remaining": remaining,
        "total": total,
        "last_added": getattr(sim, f"{kind}_last_added"),
        "percent_left": round(remaining * 100 / total) if total else 0,
        "status": QuotaStatus(getattr(sim, f"{kind}_status")).slug,
        "expiry_date": sim.lifetime_end,
        "threshold_reached_at": getattr(sim, f"{kind}_threshold_at"),
        "exhausted_at": getattr(sim, f"{kind}_exhausted_at"),
    }


class SimOut(Schema):
    iccid: str = Field(description="19 digits, without the check digit")
    iccid_with_luhn: str
    imsi: str
    imsi_2: str | None
    msisdn: str | None
    imei: str
    imei_lock: bool
    label: str
    status: SimStatus
    form_factor: str
    ip_address: str | None
    activation_date: datetime | None
    lifetime_end: datetime | None
    data_quota: QuotaOut = Field(description="Bytes")
    sms_quota: QuotaOut = Field(description="Messages")
    connectivity: ConnectivityStatus

    @staticmethod
    def resolve_data_quota(sim) -> dict[str, Any]:
        return quota(sim, "data")

    @staticmethod
    def resolve_sms_quota(sim) -> dict[str, Any]:
        return quota(sim, "sms")

    @staticmethod
    def resolve_connectivity(sim) -> str:
        state = getattr(sim, "connectivity", None)
        return state.status if state else ConnectivityStatus.OFFLINE


class LifetimeOut(Schema):
    start: datetime | None
    end: datetime | None
    elapsed_percent: int
    remaining_days: int | None


class ConnectivityOut(Schema):
    status: ConnectivityStatus = ConnectivityStatus.OFFLINE
    operator: str = ""
    mcc: str = ""
    mnc: str = ""
    country: str = Field("", description="ISO 3166 alpha-2")
    rat: str = Field("", description="2G, 3G, 4G, 5G, NB-IoT or LTE-M")
    ip_address: str | None = None
    apn: str = ""
    session_started_at: datetime | None = None
    last_updated: datetime | None = None
    location: dict[str, Any] = Field(default_factory=dict)


class MonthUseOut(Schema):
    data: int = Field(description="Bytes used this month (for the monthly limit)")
    sms_mo: int
    sms_mt: int


class SimDetailOut(SimOut):
    plan: str
    lifetime: LifetimeOut
    connectivity_info: ConnectivityOut
    data_blocker: FailureCause | None = Field(description="Why the SIM gets no data now, or null")
    month_usage: MonthUseOut

    @staticmethod
    def resolve_plan(sim) -> str:
        return sim.plan.name

    @staticmethod
    def resolve_lifetime(sim) -> selectors.Lifetime:
        return selectors.lifetime(sim)

    @staticmethod
    def resolve_connectivity_info(sim) -> Any:
        return getattr(sim, "connectivity", None) or {}

    @staticmethod
    def resolve_data_blocker(sim) -> FailureCause | None:
        return services.data_blocker(sim_id=sim.pk)

    @staticmethod
    def resolve_month_usage(sim) -> dict[str, int]:
        return {
            "data": selectors.month_usage(sim, Service.DATA),
            "sms_mo": selectors.month_usage(sim, Service.SMS_MO),
            "sms_mt": selectors.month_usage(sim, Service.SMS_MT),
        }


class SimPatchIn(Schema):
    """Only the fields sent are changed."""

    label: str | None = None
    status: str | None = Field(None, description="Enabled or Disabled")
    imei_lock: bool | None = None


class BulkAction(StrEnum):
    ENABLE = "enable"
    DISABLE = "disable"
    LABEL_PREFIX = "label_prefix"
    IMEI_LOCK = "imei_lock"
    IMEI_UNLOCK = "imei_unlock"


class IccidsIn(Schema):
    iccids: list[str] = Field(min_length=1, max_length=MAX_BATCH, description="Either ICCID form")


class BulkIn(IccidsIn):
    """All or nothing: one ICCID that is not yours refuses the whole request."""

    action: BulkAction
    prefix: str | None = Field(None, description="For label_prefix: labels become PREFIX-001, PREFIX-002, ...")


class BulkOut(Schema):
    action: BulkAction
    count: int


class ImeiLockIn(Schema):
    locked: bool


class ImeiLockOut(Schema):
    locked: bool
    changed: int = Field(description="SIMs whose lock changed")


class SimRefOut(Schema):
    iccid: str
    iccid_with_luhn: str


class SimEventOut(Schema):
    id: int
    timestamp: datetime
    type: int
    code: str
    description: str
    alert: bool
    detail: dict[str, Any]

    @staticmethod
    def resolve_code(event) -> str:
        return SimEventType(event.type).code


class Period(Schema):
    """Days within the last six months; by default since the 1st of this month."""

    start: date | None = None
    end: date | None = None

    @field_validator("end")
    @classmethod
    def _not_before_start(cls, end: date | None, info) -> date | None:
        start = info.data.get("start")
        if end and start and end < start:
            raise ValueError("end lies before start")
        return end


class UsageOut(Schema):
    data_rx: int = Field(description="Bytes received by the device")
    data_tx: int = Field(description="Bytes sent by the device")
    data: int
    sms_mo: int
    sms_mt: int
    sms: int


class UsageDayOut(UsageOut):
    date: date


class QuotasOut(SimRefOut):
    data_quota: QuotaOut
    sms_quota: QuotaOut

    @staticmethod
    def resolve_data_quota(sim) -> dict[str, Any]:
        return quota(sim, "data")

    @staticmethod
    def resolve_sms_quota(sim) -> dict[str, Any]:
        return quota(sim, "sms")


class UsageIn(Period):
    iccids: list[str] = Field(min_length=1, max_length=MAX_BATCH, description="SIMs not yours are left out")


class UsageTotalOut(UsageOut):
    iccid: str


class VolumeGroupsOut(Schema):
    available: int = Field(description="20 to 100 % left")
    low: int = Field(description="Under 20 % left")
    exhausted: int


class MonthOut(Schema):
    month: date
    data: int
    sms_mo: int
    sms_mt: int


class DashboardOut(Schema):
    total: int
    data_groups: VolumeGroupsOut
    sms_groups: VolumeGroupsOut
    months: list[MonthOut] = Field(description="The last six months, oldest first")

    @staticmethod
    def resolve_data_groups(board) -> dict[str, int]:
        return {status.slug: count for status, count in board.data_groups.items()}

    @staticmethod
    def resolve_sms_groups(board) -> dict[str, int]:
        return {status.slug: count for status, count in board.sms_groups.items()}


class LimitStepOut(Schema):
    id: int
    service: str = Field(description="data, smsMO or smsMT")
    amount: int = Field(description="Bytes for data, messages for SMS")
    shown: str


class LimitsOut(Schema):
    data: LimitStepOut | None
    sms_mo: LimitStepOut | None
    sms_mt: LimitStepOut | None


class LimitsIn(Schema):
    """Ids from GET /limit-steps; null removes that limit."""

    data_limit_id: int | None = None
    sms_mo_limit_id: int | None = None
    sms_mt_limit_id: int | None = None


class VolumeNotificationsIn(Schema):
    """Replaces the whole choice: a condition or a user left out is no longer notified."""

    conditions: list[str] = Field(
        default_factory=list, description="data_low, data_exhausted, sms_low, sms_exhausted, limit_reached"
    )
    user_ids: list[int] = Field(default_factory=list, description="Users of the organisation who get the mails")


class VolumeNotificationsOut(Schema):
    conditions: list[str]
    user_ids: list[int]
    updated_at: datetime | None


class IpRangeOut(Schema):
    network: str
    address: str
    netmask: str
    prefix_length: int

    @staticmethod
    def resolve_network(net) -> str:
        return str(net)

    @staticmethod
    def resolve_address(net) -> str:
        return str(net.network_address)

    @staticmethod
    def resolve_netmask(net) -> str:
        return str(net.netmask)

    @staticmethod
    def resolve_prefix_length(net) -> int:
        return net.prefixlen


class IpPoolOut(Schema):
    """A network the organisation's static addresses are drawn from; size counts the host addresses."""

    network: str
    prefix: int
    size: int
    used: int
    free: int

    @staticmethod
    def resolve_network(pool) -> str:
        return str(pool.network)


class NetworkSettingsOut(Schema):
    apn: str
    smsc: str
    ip_ranges: list[IpRangeOut]
    pools: list[IpPoolOut]


class IccidRange(Schema):
    from_: str = Field(alias="from")
    to: str


class TransferIn(Schema):
    target_organisation: int | None = Field(None, description="A sub-organisation, or null for the master")
    iccids: list[str] = Field(default_factory=list)
    iccid_ranges: list[IccidRange] = Field(default_factory=list)


class TransferOut(Schema):
    target_organisation: int
    transferred: int


class ImportOut(Schema):
    id: int
    file_name: str
    status: str = Field(description="queued, running, done or failed")
    created_at: datetime
    created_by: str
    finished_at: datetime | None
    plan_id: int
    total_bytes: int
    processed_bytes: int
    percent: int
    rows: int
    imported: int
    rejected_count: int
    error: str

    @staticmethod
    def resolve_percent(job) -> int:
        return job.processed_bytes * 100 // job.total_bytes if job.total_bytes else 100


class RowErrorOut(Schema):
    field: str
    message: str


class RejectedRowOut(Schema):
    line: int
    errors: list[RowErrorOut]


class ImportDetailOut(ImportOut):
    rejected: list[RejectedRowOut] = Field(description="The first 1,000 rejected rows; rejected_count has them all")


class AssignIn(IccidsIn):
    organisation_id: int


class AssignOut(Schema):
    organisation_id: int
    assigned: int
    iccids: list[str]


class PlanOut(Schema):
    id: int
    name: str
    lifetime_months: int
    data_bytes: int
    sms: int
    is_default: bool
