"""What other apps (AAA, orders, SMS, data streams) may know about SIMs: enums, units and decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

from django.utils.translation import gettext_lazy as _

MB = 1_000_000  # 1NCE counts volumes in decimal megabytes
THRESHOLD_PERCENT = 20


class SimStatus(StrEnum):
    ENABLED = "Enabled"
    DISABLED = "Disabled"

    @property
    def label(self) -> str:
        return str({SimStatus.ENABLED: _("Enabled"), SimStatus.DISABLED: _("Disabled")}[self])


class FormFactor(StrEnum):
    TRIPLE = "2FF/3FF/4FF"
    MINI = "2FF"
    MICRO = "3FF"
    NANO = "4FF"
    MFF2 = "MFF2"
    QFN8 = "QFN8"


class QuotaStatus(IntEnum):
    """The 1NCE v1 quota status ids, which are also the dashboard's volume groups."""

    AVAILABLE = 0  # 20 % or more left
    LOW = 1  # under 20 % left
    EXHAUSTED = 2  # nothing left

    @property
    def description(self) -> str:
        return {
            QuotaStatus.AVAILABLE: "More than 20% available",
            QuotaStatus.LOW: "Less than 20% available",
            QuotaStatus.EXHAUSTED: "No volume available",
        }[self]

    @property
    def slug(self) -> str:
        return {QuotaStatus.AVAILABLE: "available", QuotaStatus.LOW: "low", QuotaStatus.EXHAUSTED: "exhausted"}[self]

    @property
    def label(self) -> str:
        return str(
            {
                QuotaStatus.AVAILABLE: _("20 to 100 %"),
                QuotaStatus.LOW: _("Under 20 %"),
                QuotaStatus.EXHAUSTED: _("Exhausted"),
            }[self]
        )

    @classmethod
    def of(cls, remaining: int, total: int) -> QuotaStatus:
        if remaining <= 0:
            return cls.EXHAUSTED
        if remaining * 100 < total * THRESHOLD_PERCENT:
            return cls.LOW
        return cls.AVAILABLE


class Service(StrEnum):
    """Metered services; the names are the ones 1NCE uses in `/v1/sims/{service}/limits`."""

    DATA = "data"
    SMS_MO = "smsMO"
    SMS_MT = "smsMT"

    @property
    def label(self) -> str:
        return str({Service.DATA: _("Data"), Service.SMS_MO: _("SMS MO"), Service.SMS_MT: _("SMS MT")}[self])

    @property
    def unit(self) -> str:
        return "MB" if self is Service.DATA else "SMS"


class ConnectivityStatus(StrEnum):
    OFFLINE = "OFFLINE"
    ATTACHED = "ATTACHED"
    ONLINE = "ONLINE"

    @property
    def label(self) -> str:
        return str(
            {
                ConnectivityStatus.OFFLINE: _("Offline"),
                ConnectivityStatus.ATTACHED: _("Attached"),
                ConnectivityStatus.ONLINE: _("Online"),
            }[self]
        )


class Rat(StrEnum):
    """Radio access types as 1NCE names them in `rat_type.description`."""

    GSM = "2G"
    UMTS = "3G"
    LTE = "4G"
    NR = "5G"
    NB_IOT = "NB-IoT"
    LTE_M = "LTE-M"


class FailureCause(StrEnum):
    """Why a SIM gets no data: the 1NCE v2 `data_service_failure_cause` values."""

    IMSI_NOT_FOUND = "IMSI_NOT_FOUND"
    APN_NOT_AUTHORIZED = "APN_NOT_AUTHORIZED"
    PDN_NOT_SUPPORTED = "PDN_NOT_SUPPORTED"
    IMEI_LOCK_BREACHED = "IMEI_LOCK_BREACHED"
    NO_QUOTA_FOUND = "NO_QUOTA_FOUND"
    QUOTA_EXPIRED = "QUOTA_EXPIRED"
    QUOTA_EXHAUSTED = "QUOTA_EXHAUSTED"
    MONTHLY_USAGE_LIMIT_EXCEEDED = "MONTHLY_USAGE_LIMIT_EXCEEDED"
    DATA_SERVICE_BARRED = "DATA_SERVICE_BARRED"
    IMEI_LOCK_ENFORCED = "IMEI_LOCK_ENFORCED"
    INACTIVITY_TIMER_EXPIRED = "INACTIVITY_TIMER_EXPIRED"


class SmsDirection(StrEnum):
    MO = "MO"
    MT = "MT"


class SimEventType(IntEnum):
    """Stored SIM event types; ids are stable and part of the API."""

    STATUS_CHANGED = 1
    ATTACH = 2
    DETACH = 3
    PDP_CONTEXT_CREATED = 4
    PDP_CONTEXT_DELETED = 5
    PDP_CONTEXT_REFUSED = 6
    LOCATION_UPDATED = 7
    QUOTA_THRESHOLD_REACHED = 8
    QUOTA_EXHAUSTED = 9
    IMEI_CHANGED = 10
    LABEL_CHANGED = 11
    TRANSFERRED = 12
    CONNECTION_RESET = 13
    QUOTA_ADDED = 14
    LIFETIME_EXTENDED = 15
    MONTHLY_LIMIT_REACHED = 16
    ASSIGNED = 17
    IMEI_LOCK_CHANGED = 18
    SMS_REFUSED = 19
    SESSION_DISCONNECTED = 20

    @property
    def code(self) -> str:
        return self.name.lower()

    @property
    def description(self) -> str:
        """The English name used in API payloads, like 1NCE's `event_type.description`."""
        return _EVENT_DESCRIPTIONS[self]

    @property
    def label(self) -> str:
        return str(_EVENT_LABELS[self])


_EVENT_DESCRIPTIONS = {
    SimEventType.STATUS_CHANGED: "SIM status changed",
    SimEventType.ATTACH: "Update location",
    SimEventType.DETACH: "Purge location",
    SimEventType.PDP_CONTEXT_CREATED: "Create PDP Context",
    SimEventType.PDP_CONTEXT_DELETED: "Delete PDP Context",
    SimEventType.PDP_CONTEXT_REFUSED: "PDP Context refused",
    SimEventType.LOCATION_UPDATED: "Location updated",
    SimEventType.QUOTA_THRESHOLD_REACHED: "Quota threshold reached",
    SimEventType.QUOTA_EXHAUSTED: "Quota exhausted",
    SimEventType.IMEI_CHANGED: "IMEI changed",
    SimEventType.LABEL_CHANGED: "Label changed",
    SimEventType.TRANSFERRED: "SIM transferred",
    SimEventType.CONNECTION_RESET: "Connection reset",
    SimEventType.QUOTA_ADDED: "Volume added",
    SimEventType.LIFETIME_EXTENDED: "Lifetime extended",
    SimEventType.MONTHLY_LIMIT_REACHED: "Monthly limit reached",
    SimEventType.ASSIGNED: "SIM assigned",
    SimEventType.IMEI_LOCK_CHANGED: "IMEI lock changed",
    SimEventType.SMS_REFUSED: "SMS refused",
    SimEventType.SESSION_DISCONNECTED: "Session disconnected",
}

_EVENT_LABELS = {
    SimEventType.STATUS_CHANGED: _("Status changed"),
    SimEventType.ATTACH: _("Attached to network"),
    SimEventType.DETACH: _("Detached from network"),
    SimEventType.PDP_CONTEXT_CREATED: _("Data session started"),
    SimEventType.PDP_CONTEXT_DELETED: _("Data session ended"),
    SimEventType.PDP_CONTEXT_REFUSED: _("Data session refused"),
    SimEventType.LOCATION_UPDATED: _("Location or network changed"),
    SimEventType.QUOTA_THRESHOLD_REACHED: _("Under 20 % volume left"),
    SimEventType.QUOTA_EXHAUSTED: _("Volume used up"),
    SimEventType.IMEI_CHANGED: _("Device (IMEI) changed"),
    SimEventType.LABEL_CHANGED: _("Label changed"),
    SimEventType.TRANSFERRED: _("Transferred"),
    SimEventType.CONNECTION_RESET: _("Connection reset"),
    SimEventType.QUOTA_ADDED: _("Volume added"),
    SimEventType.LIFETIME_EXTENDED: _("Lifetime extended"),
    SimEventType.MONTHLY_LIMIT_REACHED: _("Monthly limit reached"),
    SimEventType.ASSIGNED: _("Assigned to organisation"),
    SimEventType.IMEI_LOCK_CHANGED: _("IMEI lock changed"),
    SimEventType.SMS_REFUSED: _("SMS refused"),
    SimEventType.SESSION_DISCONNECTED: _("Data session cut by the network"),
}

ALERT_EVENTS = frozenset(
    {
        SimEventType.PDP_CONTEXT_REFUSED,
        SimEventType.QUOTA_EXHAUSTED,
        SimEventType.MONTHLY_LIMIT_REACHED,
        SimEventType.SMS_REFUSED,
    }
)


@dataclass(frozen=True)
class SessionInfo:
    """What the packet gateway tells about a data session (RADIUS attributes, decoded by the AAA)."""

    ip_address: str | None = None
    session_id: str = ""
    apn: str = ""
    imei: str = ""
    operator: str = ""
    mcc: str = ""
    mnc: str = ""
    country: str = ""  # ISO 3166 alpha-2
    rat: str = ""
    location: dict | None = None
    nas: str = ""  # the NAS holding the session, where a Disconnect-Request goes


class ReportKind(StrEnum):
    """What a gateway's accounting report says about the session."""

    START = "start"
    INTERIM = "interim"
    STOP = "stop"


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """A gateway asks whether a SIM may open a data session (the SIM is found by IMSI, else by the user name)."""

    imsi: str = ""
    user_name: str = ""
    imei: str = ""
    apn: str = ""


@dataclass(frozen=True, slots=True)
class SessionReport:
    """One accounting report, with the bytes used since the previous one (never the gateway's running totals)."""

    sim_id: int
    kind: ReportKind
    at: datetime
    rx: int = 0  # from the device (the gateway's input octets)
    tx: int = 0  # to the device
    info: SessionInfo | None = None  # None: usage only, the session state is left alone
    cause: str = ""  # why a session stopped
    detached: bool = False  # the device also left the network (lost radio), not just the data session


@dataclass(frozen=True)
class Decision:
    """The answer to "may this SIM open a data session / send this SMS?"."""

    accepted: bool
    sim_id: int | None = None
    cause: FailureCause | None = None
    message: str = ""
    ip_address: str | None = None


@dataclass(frozen=True)
class UsageOutcome:
    """After usage was counted: whether the session must now be cut, and why."""

    sim_id: int
    disconnect: bool
    cause: FailureCause | None = None
    data_remaining: int = 0


@dataclass(frozen=True)
class SimFilters:
    """The filters of My SIMs, the native API and the 1NCE `q` parameter, in one shape."""

    search: str = ""
    status: SimStatus | None = None
    data_group: QuotaStatus | None = None
    sms_group: QuotaStatus | None = None
    connectivity: ConnectivityStatus | None = None
    iccid: str = ""
    imsi: str = ""
    msisdn: str = ""
    imei: str = ""
    ip_address: str = ""
    label: str = ""
    iccids: tuple[str, ...] = ()
    sort: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    total: int
    imported: int
    rejected: list[dict]
    finished_at: datetime | None


@dataclass(frozen=True)
class SimRef:
    """A SIM as orders list it (the affected-SIMs file: ICCID, label, IMSI, MSISDN)."""

    id: int
    iccid: str
    label: str
    imsi: str
    msisdn: str


class VolumeCondition(StrEnum):
    """What a volume notification mail tells of (1NCE's Volume Notifications); each is a SIM event."""

    DATA_LOW = "data_low"
    DATA_EXHAUSTED = "data_exhausted"
    SMS_LOW = "sms_low"
    SMS_EXHAUSTED = "sms_exhausted"
    LIMIT_REACHED = "limit_reached"

    @property
    def label(self) -> str:
        return str(_VOLUME_CONDITION_LABELS[self])

    @classmethod
    def of(cls, event_type: SimEventType, service: str) -> VolumeCondition | None:
        """The condition a SIM event stands for: a quota event names its quota ("data" or "sms") as its service."""
        if event_type is SimEventType.MONTHLY_LIMIT_REACHED:
            return cls.LIMIT_REACHED
        quota = {SimEventType.QUOTA_THRESHOLD_REACHED: "low", SimEventType.QUOTA_EXHAUSTED: "exhausted"}.get(event_type)
        if quota is None or service not in ("data", "sms"):
            return None
        return cls(f"{service}_{quota}")


_VOLUME_CONDITION_LABELS = {
    VolumeCondition.DATA_LOW: _("Data volume under 20 %"),
    VolumeCondition.DATA_EXHAUSTED: _("Data volume used up"),
    VolumeCondition.SMS_LOW: _("SMS volume under 20 %"),
    VolumeCondition.SMS_EXHAUSTED: _("SMS volume used up"),
    VolumeCondition.LIMIT_REACHED: _("Monthly limit reached"),
}


@dataclass(frozen=True)
class VolumeNotificationSettings:
    """Which conditions are mailed, and to which users of the organisation."""

    conditions: tuple[VolumeCondition, ...] = ()
    user_ids: tuple[int, ...] = ()
    updated_at: datetime | None = None
