"""How SIM numbers read in the portal: volumes in MB/GB, quota groups, event summaries, the usage charts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django import template
from django.utils import formats
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..contracts import MB, ConnectivityStatus, FailureCause, QuotaStatus, SimEventType, SimStatus

register = template.Library()

GB = 1000 * MB
KB = 1000
BLANK = "\N{EN DASH}"  # what an empty value reads as

CAUSES = {
    FailureCause.IMSI_NOT_FOUND: gettext_lazy("The network does not know the SIM."),
    FailureCause.APN_NOT_AUTHORIZED: gettext_lazy("The device used an APN that is not allowed."),
    FailureCause.PDN_NOT_SUPPORTED: gettext_lazy("The device asked for a connection type the network does not offer."),
    FailureCause.IMEI_LOCK_BREACHED: gettext_lazy("The SIM is locked to another device (IMEI lock)."),
    FailureCause.IMEI_LOCK_ENFORCED: gettext_lazy("The IMEI lock is on, but the device did not send its IMEI."),
    FailureCause.NO_QUOTA_FOUND: gettext_lazy("The SIM has no data volume."),
    FailureCause.QUOTA_EXPIRED: gettext_lazy("The lifetime of the SIM has ended."),
    FailureCause.QUOTA_EXHAUSTED: gettext_lazy("The data volume is used up."),
    FailureCause.MONTHLY_USAGE_LIMIT_EXCEEDED: gettext_lazy("The monthly data limit of the organisation is reached."),
    FailureCause.DATA_SERVICE_BARRED: gettext_lazy("The SIM is deactivated."),
    FailureCause.INACTIVITY_TIMER_EXPIRED: gettext_lazy("The session ended after a period without traffic."),
}


def _number(value: float, decimals: int) -> str:
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


@register.filter
def volume(value: int | None) -> str:
    """Bytes as people read them: decimal units, as 1NCE counts (1 MB = 1,000,000 bytes)."""
    amount = int(value or 0)
    if amount >= GB:
        return f"{_number(amount / GB, 2)} GB"
    if amount >= MB // 10 or amount == 0:
        return f"{_number(amount / MB, 1 if 0 < amount < 10 * MB else 0)} MB"
    return f"{_number(amount / KB, 0)} kB"


@register.filter
def grouped(value: int | None) -> str:
    """A count with thousands separators in the reader's language."""
    return _number(value or 0, 0)


@register.filter
def quota_amount(value: int | None, is_data: bool) -> str:
    """A quota figure in its unit: a volume for data, a count for SMS."""
    return volume(value) if is_data else f"{_number(value or 0, 0)} SMS"


@register.filter
def percent_of(part: int | None, whole: int | None) -> int:
    """Whole percent for bars; an empty whole counts as nothing left."""
    if not whole:
        return 0
    return max(0, min(100, math.floor((part or 0) * 100 / whole)))


@register.filter
def quota_group(value: int) -> QuotaStatus:
    return QuotaStatus(value)


@register.filter
def connection_of(sim) -> ConnectivityStatus:
    """A SIM the network has never seen has no state row yet: it is offline."""
    state = getattr(sim, "connectivity", None)
    return ConnectivityStatus(state.status) if state is not None else ConnectivityStatus.OFFLINE


@register.filter
def status_label(value: str) -> str:
    return SimStatus(value).label


@register.filter
def cause_text(cause: FailureCause | str | None) -> str:
    if not cause:
        return ""
    try:
        return str(CAUSES[FailureCause(cause)])
    except (KeyError, ValueError):
        return str(cause)


@register.filter
def event_label(event) -> str:
    try:
        return SimEventType(event.type).label
    except ValueError:
        return event.description


def _network(detail: dict) -> list[str]:
    return [detail[k] for k in ("operator", "country", "rat") if detail.get(k)]


def _duration(seconds: int) -> str:
    hours, minutes = divmod(max(0, int(seconds)) // 60, 60)
    if hours >= 48:
        return _("%(d)d days") % {"d": hours // 24}
    return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes} if hours else _("%(m)d min") % {"m": minutes}


def _quota(detail: dict) -> list[str]:
    data = detail.get("service") == "data"
    shown = volume if data else str
    return [
        _("%(remaining)s of %(total)s left")
        % {"remaining": shown(detail.get("remaining", 0)), "total": shown(detail.get("total", 0))}
        + ("" if data else " SMS")
    ]


def _change(detail: dict) -> list[str]:
    return [f"{detail.get('from') or BLANK} → {detail.get('to') or BLANK}"]


def _status(detail: dict) -> list[str]:
    names = {s.value: s.label for s in SimStatus}
    return [f"{names.get(detail.get('from'), BLANK)} → {names.get(detail.get('to'), BLANK)}"]


def _session_end(detail: dict) -> list[str]:
    parts = [_("after %(duration)s") % {"duration": _duration(detail["duration"])}] if detail.get("duration") else []
    return parts + ([detail["cause"]] if detail.get("cause") else [])


def _until(detail: dict) -> list[str]:
    end = parse_datetime(detail.get("lifetime_end") or "")
    if not isinstance(end, datetime):
        return []
    return [_("until %(date)s") % {"date": formats.date_format(end, "DATE_FORMAT")}]


def _session_start(detail: dict) -> list[str]:
    return _network(detail) + ([f"IP {detail['ip_address']}"] if detail.get("ip_address") else [])


def _reset(detail: dict) -> list[str]:
    return [_("by %(who)s") % {"who": detail["requested_by"]}] if detail.get("requested_by") else []


def _limit(detail: dict) -> list[str]:
    data = detail.get("service") == "data"
    return [_("limit %(limit)s") % {"limit": volume(detail.get("limit")) if data else detail.get("limit")}]


def _added(detail: dict) -> list[str]:
    added = [f"+{volume(detail['data'])}"] if detail.get("data") else []
    return added + ([f"+{detail['sms']} SMS"] if detail.get("sms") else [])


_SUMMARIES = {
    SimEventType.STATUS_CHANGED: _status,
    SimEventType.ATTACH: _network,
    SimEventType.DETACH: _network,
    SimEventType.LOCATION_UPDATED: _network,
    SimEventType.PDP_CONTEXT_CREATED: _session_start,
    SimEventType.PDP_CONTEXT_DELETED: _session_end,
    SimEventType.PDP_CONTEXT_REFUSED: lambda d: [cause_text(d.get("cause"))],
    SimEventType.QUOTA_THRESHOLD_REACHED: _quota,
    SimEventType.QUOTA_EXHAUSTED: _quota,
    SimEventType.IMEI_CHANGED: _change,
    SimEventType.LABEL_CHANGED: _change,
    SimEventType.CONNECTION_RESET: _reset,
    SimEventType.QUOTA_ADDED: _added,
    SimEventType.LIFETIME_EXTENDED: _until,
    SimEventType.MONTHLY_LIMIT_REACHED: _limit,
    SimEventType.IMEI_LOCK_CHANGED: lambda d: [_("lock on") if d.get("locked") else _("lock off")],
    SimEventType.SMS_REFUSED: lambda d: [f"{d.get('direction', '')}: {d.get('reason', '')}"],
}


@register.filter
def event_summary(event) -> str:
    """The few details of an event that matter to a person, in one line; organisation ids stay out."""
    try:
        summarise = _SUMMARIES.get(SimEventType(event.type))
    except ValueError:
        summarise = None
    return " · ".join(str(p) for p in summarise(event.detail or {}) if p) if summarise else ""


# Usage charts: plain HTML bars scaled on the server, so they stay readable at any width and need no script.


@dataclass(frozen=True)
class Segment:
    css: str
    percent: str  # of the bar's height, formatted for CSS


@dataclass(frozen=True)
class Bar:
    month: str
    value: str
    title: str
    percent: str  # of the plot's height
    segments: list[Segment]


@dataclass(frozen=True)
class Tick:
    percent: str
    text: str


@dataclass(frozen=True)
class Chart:
    kind: str
    bars: list[Bar]
    ticks: list[Tick]
    legend: list[tuple[str, str]]
    empty: bool


def _nice_step(top: float, steps: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) so that a few steps reach `top`."""
    raw = top / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _unit(top: int, kind: str) -> tuple[float, str]:
    if kind == "sms":
        return 1, "SMS"
    for size, name in ((GB, "GB"), (MB, "MB")):
        if top >= size:
            return size, name
    return KB, "kB"


def _css(value: float) -> str:
    return f"{value:.2f}"


def chart(months: list, kind: str) -> Chart:
    """Six months of data (bytes, one series) or SMS (MO and MT stacked) as bars on a round scale."""
    series = [(m.sms_mo, m.sms_mt) for m in months] if kind == "sms" else [(m.data,) for m in months]
    top = max((sum(s) for s in series), default=0)
    size, unit = _unit(top, kind)
    scaled_top = top / size
    step = _nice_step(scaled_top) if scaled_top > 0 else 1
    if kind == "sms":
        step = max(1, math.ceil(step))
    axis_top = step * max(1, math.ceil(scaled_top / step))
    decimals = 0 if float(step).is_integer() else 1
    ticks = [
        Tick(_css(i * step * 100 / axis_top), f"{_number(i * step, decimals)} {unit}")
        for i in range(round(axis_top / step) + 1)
    ]
    bars = []
    for month, values in zip(months, series, strict=True):
        total = sum(values)
        shown = volume(total) if kind == "data" else f"{_number(total, 0)} SMS"
        name = formats.date_format(month.month, "M Y")
        segments = [
            Segment(css, _css(v * 100 / total) if total else "0")
            for css, v in zip(("mo", "mt") if kind == "sms" else ("data",), values, strict=True)
        ]
        if kind == "sms":
            title = _("%(month)s: %(mo)s sent (MO), %(mt)s received (MT)") % {
                "month": name,
                "mo": _number(values[0], 0),
                "mt": _number(values[1], 0),
            }
        else:
            title = f"{name}: {shown}"
        bars.append(Bar(name, shown, title, _css(total / size * 100 / axis_top), list(reversed(segments))))
    legend = [("mo", _("Sent (MO)")), ("mt", _("Received (MT)"))] if kind == "sms" else []
    return Chart(kind, bars, ticks, legend, empty=top == 0)


@register.inclusion_tag("connectivity/_chart.html")
def usage_chart(months: list, kind: str) -> dict:
    return {"chart": chart(months, kind)}
