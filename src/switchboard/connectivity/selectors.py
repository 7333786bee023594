"""Reads of the connectivity context, always scoped to the principal's organisation."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.core.errors import NotFound, ValidationFailed
from switchboard.core.principal import ActorKind, Permission, Principal
from switchboard.tenancy import selectors as tenancy

from . import identifiers
from .contracts import (
    MB,
    ConnectivityStatus,
    QuotaStatus,
    Service,
    SimFilters,
    SimRef,
    SimStatus,
    VolumeCondition,
    VolumeNotificationSettings,
)
from .models import (
    DailyUsage,
    IpPool,
    LimitStep,
    MonthlyUsage,
    OrganisationLimits,
    Sim,
    SimEvent,
    SimImport,
    SimPlan,
    VolumeNotification,
)
from .services import addressing, deliveries, quotas
from .services._common import require_operator

# Sort keys clients may use (1NCE names where they exist), each mapped to a column.
SORT_KEYS = {
    "iccid": "iccid",
    "imsi": "imsi",
    "msisdn": "msisdn",
    "imei": "imei",
    "ip_address": "ip_address",
    "label": "label",
    "status": "status",
    "activation_date": "activation_date",
    "lifetime_end": "lifetime_end",
    "current_quota": "data_remaining",
    "current_quota_SMS": "sms_remaining",
}
HISTORY_MONTHS = 6


def sim_counts(organisation_ids: list[int]) -> dict[int, int]:
    """SIMs per organisation: what a master sees of its sub-organisations."""
    rows = Sim.objects.filter(organisation_id__in=organisation_ids).values("organisation_id").annotate(n=Count("id"))
    return {r["organisation_id"]: r["n"] for r in rows}


def _own(principal: Principal) -> QuerySet[Sim]:
    principal.require(Permission.VIEW)
    return Sim.objects.filter(organisation_id=principal.organisation_id)


def _search(sims: QuerySet[Sim], text: str) -> QuerySet[Sim]:
    """Partial match as in My SIMs: number prefixes (ICCID, IMSI, MSISDN), or anywhere in the label."""
    text = text.strip()
    if not text:
        return sims
    if text.isdigit():
        numbers = Q(iccid__startswith=text[:19]) | Q(imsi__startswith=text) | Q(msisdn__startswith=text)
        if len(text) == 20:
            numbers = Q(iccid_with_luhn=text)
        return sims.filter(numbers | Q(label__icontains=text))
    return sims.filter(label__icontains=text)


def _exact_iccid(value: str) -> str:
    return identifiers.iccid_lookup(value) or "-"  # "-" matches nothing


def sims_list(*, principal: Principal, filters: SimFilters | None = None) -> QuerySet[Sim]:
    filters = filters or SimFilters()
    sims = _search(_own(principal), filters.search)
    exact = {
        "iccid": _exact_iccid(filters.iccid) if filters.iccid else None,
        "imsi": filters.imsi or None,
        "msisdn": filters.msisdn.removeprefix("+") if filters.msisdn else None,
        "imei": filters.imei or None,
        "ip_address": _ip(filters.ip_address) if filters.ip_address else None,
    }
    sims = sims.filter(**{k: v for k, v in exact.items() if v is not None})
    if filters.label:
        sims = sims.filter(label__icontains=filters.label)
    if filters.iccids:
        sims = sims.filter(iccid__in=[_exact_iccid(i) for i in filters.iccids])
    if filters.status is not None:
        sims = sims.filter(status=filters.status)
    if filters.data_group is not None:
        sims = sims.filter(data_status=filters.data_group)
    if filters.sms_group is not None:
        sims = sims.filter(sms_status=filters.sms_group)
    if filters.connectivity is not None:
        if filters.connectivity is ConnectivityStatus.OFFLINE:
            sims = sims.filter(Q(connectivity__isnull=True) | Q(connectivity__status=ConnectivityStatus.OFFLINE))
        else:
            sims = sims.filter(connectivity__status=filters.connectivity)
    return sims.order_by(*_ordering(filters.sort, searching=bool(filters.search.strip())))


def _ip(value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value.strip()))
    except ValueError:
        raise ValidationFailed(_("Enter a valid IPv4 address."), field="ip_address", code="invalid_ip") from None


def _ordering(sort: tuple[str, ...], *, searching: bool = False) -> list[str | OrderBy]:
    order: list[str | OrderBy] = []
    for key in sort:
        descending = key.startswith("-")
        name = key.lstrip("-+ ")
        if name not in SORT_KEYS:
            raise ValidationFailed(
                _("Sort by one of: %(keys)s.") % {"keys": ", ".join(SORT_KEYS)}, field="sort", code="invalid_sort"
            )
        order.append(("-" if descending else "") + SORT_KEYS[name])
    if not any(o.lstrip("-") == "iccid" for o in order):
        order.append("iccid")  # a stable order for paging
    if searching:
        order = [_sorted_not_walked(o) if o.lstrip("-") == "iccid" else o for o in order]
    return order


def _sorted_not_walked(key: str) -> OrderBy:
    """The ICCID order for a search, in a form no btree index yields (NULLS FIRST ascending; ICCIDs are never NULL,
    so the order is the same). The matches of a number prefix lie together in ICCID order, but the planner assumes
    them spread evenly and would walk the ICCID index from its start, filtering, to fill a page: 0.2 to 0.5 s on a
    million SIMs. This way it collects the matches through the search indexes and sorts them (2 to 5 ms)."""
    return F("iccid").desc(nulls_last=True) if key.startswith("-") else F("iccid").asc(nulls_first=True)


def sim_get(*, principal: Principal, iccid: str) -> Sim:
    key = identifiers.iccid_lookup(iccid)
    sim = _own(principal).select_related("connectivity", "plan").filter(iccid=key).first() if key else None
    if sim is None:
        raise NotFound(_("SIM not found."), field="iccid", code="sim_not_found")
    return sim


def sims_get(*, principal: Principal, iccids: list[str]) -> list[Sim]:
    """Many SIMs in one read (bulk quota and usage); unknown ICCIDs are left out, not errors."""
    if len(iccids) > 1000:
        raise ValidationFailed(_("At most 1,000 ICCIDs per request."), field="iccids", code="too_many")
    keys = [k for k in (identifiers.iccid_lookup(i) for i in iccids) if k]
    return list(_own(principal).filter(iccid__in=keys).order_by("iccid"))


@dataclass(frozen=True)
class Lifetime:
    start: datetime | None
    end: datetime | None
    elapsed_percent: int
    remaining: timedelta | None

    @property
    def remaining_days(self) -> int | None:
        return self.remaining.days if self.remaining is not None else None


def lifetime(sim: Sim, *, now: datetime | None = None) -> Lifetime:
    now = now or timezone.now()
    if sim.activation_date is None or sim.lifetime_end is None:
        return Lifetime(None, None, 0, None)
    span = (sim.lifetime_end - sim.activation_date).total_seconds() or 1
    elapsed = min(max((now - sim.activation_date).total_seconds() / span, 0), 1)
    return Lifetime(
        sim.activation_date, sim.lifetime_end, round(elapsed * 100), max(sim.lifetime_end - now, timedelta())
    )


def month_usage(sim: Sim, service: Service) -> int:
    return quotas.month_used(sim, service, timezone.localdate())


def sim_events(*, principal: Principal, iccid: str, oldest_first: bool = False) -> QuerySet[SimEvent]:
    sim = sim_get(principal=principal, iccid=iccid)
    order = ("timestamp", "id") if oldest_first else ("-timestamp", "-id")
    return SimEvent.objects.filter(sim=sim).order_by(*order)


@dataclass(frozen=True)
class UsageDay:
    date: date
    data_rx: int
    data_tx: int
    sms_mo: int
    sms_mt: int

    @property
    def data(self) -> int:
        return self.data_rx + self.data_tx

    @property
    def sms(self) -> int:
        return self.sms_mo + self.sms_mt


def _usage_window(start: date | None, end: date | None) -> tuple[date, date]:
    today = timezone.localdate()
    end = min(end or today, today)
    start = start or end.replace(day=1)
    oldest = today - relativedelta(months=HISTORY_MONTHS)
    return max(start, oldest), end


def sim_usage(
    *,
    principal: Principal,
    iccid: str,
    start: date | None = None,
    end: date | None = None,
    every_day: bool = False,
) -> list[UsageDay]:
    """Daily usage, newest first, within the last six months; by default since the 1st of this month.
    With `every_day`, days without traffic are zero rows (as the 1NCE usage endpoint lists them)."""
    sim = sim_get(principal=principal, iccid=iccid)
    first, last = _usage_window(start, end)
    rows = DailyUsage.objects.filter(sim=sim, date__gte=first, date__lte=last).order_by("-date")
    days = [UsageDay(r.date, r.data_rx, r.data_tx, r.sms_mo, r.sms_mt) for r in rows]
    if not every_day:
        return days
    stored = {d.date: d for d in days}
    span = range((last - first).days + 1)
    return [stored.get(day) or UsageDay(day, 0, 0, 0, 0) for day in (last - timedelta(days=n) for n in span)]


def sims_usage(
    *, principal: Principal, iccids: list[str], start: date | None = None, end: date | None = None
) -> dict[str, UsageDay]:
    """Totals per SIM over a period for many SIMs at once (what 1NCE users poll SIM by SIM)."""
    sims = sims_get(principal=principal, iccids=iccids)
    first, last = _usage_window(start, end)
    totals = {s.iccid: UsageDay(last, 0, 0, 0, 0) for s in sims}
    by_id = {s.pk: s.iccid for s in sims}
    rows = DailyUsage.objects.filter(sim_id__in=by_id, date__gte=first, date__lte=last).values_list(
        "sim_id", "data_rx", "data_tx", "sms_mo", "sms_mt"
    )
    for sim_id, rx, tx, mo, mt in rows:
        t = totals[by_id[sim_id]]
        totals[by_id[sim_id]] = UsageDay(last, t.data_rx + rx, t.data_tx + tx, t.sms_mo + mo, t.sms_mt + mt)
    return totals


@dataclass(frozen=True)
class MonthUsage:
    month: date
    data: int
    sms_mo: int
    sms_mt: int


@dataclass(frozen=True)
class Dashboard:
    data_groups: dict[QuotaStatus, int]
    sms_groups: dict[QuotaStatus, int]
    months: list[MonthUsage]
    total: int

    @property
    def max_data(self) -> int:
        return max((m.data for m in self.months), default=0)

    @property
    def max_sms(self) -> int:
        return max((m.sms_mo + m.sms_mt for m in self.months), default=0)


def dashboard(*, principal: Principal) -> Dashboard:
    """Volume groups from one grouped count on an index; monthly totals from the maintained aggregate.
    COUNT(*), not COUNT(id): the (organisation_id, data_status, sms_status) index alone answers it (index-only scan)."""
    rows = _own(principal).values("data_status", "sms_status").annotate(n=Count("*")).order_by()
    data = dict.fromkeys(QuotaStatus, 0)
    sms = dict.fromkeys(QuotaStatus, 0)
    for row in rows:
        data[QuotaStatus(row["data_status"])] += row["n"]
        sms[QuotaStatus(row["sms_status"])] += row["n"]
    first = timezone.localdate().replace(day=1) - relativedelta(months=HISTORY_MONTHS - 1)
    stored = {
        m.month: m for m in MonthlyUsage.objects.filter(organisation_id=principal.organisation_id, month__gte=first)
    }
    months = []
    for i in range(HISTORY_MONTHS):
        month = first + relativedelta(months=i)
        m = stored.get(month)
        months.append(MonthUsage(month, m.data_rx + m.data_tx, m.sms_mo, m.sms_mt) if m else MonthUsage(month, 0, 0, 0))
    return Dashboard(data, sms, months, sum(data.values()))


@dataclass(frozen=True)
class LimitChoice:
    id: int
    service: Service
    amount: int

    @property
    def shown(self) -> str:
        if self.service is Service.DATA:
            return f"{self.amount // MB} MB"
        return f"{self.amount} SMS"


def limit_steps(*, service: Service | None = None) -> list[LimitChoice]:
    steps = LimitStep.objects.filter(active=True)
    if service is not None:
        steps = steps.filter(service=service)
    return [LimitChoice(s.pk, Service(s.service), s.amount) for s in steps.order_by("service", "amount")]


def limits_get(*, principal: Principal) -> dict[Service, LimitChoice | None]:
    principal.require(Permission.VIEW)
    row = (
        OrganisationLimits.objects.filter(organisation_id=principal.organisation_id)
        .select_related("data", "sms_mo", "sms_mt")
        .first()
    )
    chosen = {Service.DATA: None, Service.SMS_MO: None, Service.SMS_MT: None}
    if row is not None:
        for service, step in ((Service.DATA, row.data), (Service.SMS_MO, row.sms_mo), (Service.SMS_MT, row.sms_mt)):
            chosen[service] = LimitChoice(step.pk, service, step.amount) if step else None
    return chosen


@dataclass(frozen=True)
class IpPoolUsage:
    network: ipaddress.IPv4Network
    used: int  # SIMs with an address in it

    @property
    def prefix(self) -> int:
        return self.network.prefixlen

    @property
    def size(self) -> int:
        return self.network.num_addresses - 2  # the network and broadcast addresses go to no SIM

    @property
    def free(self) -> int:
        return max(self.size - self.used, 0)


@dataclass(frozen=True)
class NetworkSettings:
    apn: str
    smsc: str
    ip_ranges: list[ipaddress.IPv4Network]  # every network to route: the pools, and any address given outside them
    pools: list[IpPoolUsage]

    @property
    def ranges_outside_pools(self) -> list[ipaddress.IPv4Network]:
        pooled = {pool.network for pool in self.pools}
        return [network for network in self.ip_ranges if network not in pooled]


def network_settings(*, principal: Principal) -> NetworkSettings:
    """APN and SMSC of the operator, and the networks of the organisation's static addresses (for its VPN): the
    pools it holds, or for a sub-organisation those of its master that its SIMs' addresses come from; an address
    outside every pool (from the vendor's file) adds the pool-sized network around it."""
    addresses = _own(principal).exclude(ip_address=None).values_list("ip_address", flat=True).order_by()
    holder = addressing.pool_holder(principal.organisation_id)
    held = IpPool.objects.filter(organisation_id=holder).values_list("network", flat=True)
    pools = {ipaddress.IPv4Network(network) for network in held}
    prefixes = {pool.prefixlen for pool in pools}
    _, pool_prefix = addressing.address_space()
    drawn_from: set[ipaddress.IPv4Network] = set()
    outside: set[ipaddress.IPv4Network] = set()
    for text in addresses.iterator(chunk_size=5000):
        address = ipaddress.IPv4Address(str(text))
        pool = next((n for n in (_around(address, p) for p in prefixes) if n in pools), None)
        if pool:
            drawn_from.add(pool)
        else:
            outside.add(_around(address, pool_prefix))
    shown = sorted(pools if holder == principal.organisation_id else drawn_from)
    usage = [IpPoolUsage(pool, Sim.objects.filter(addressing.in_network(pool)).count()) for pool in shown]
    return NetworkSettings(settings.SWITCHBOARD["APN"], settings.SWITCHBOARD["SMSC"], sorted({*shown, *outside}), usage)


def _around(address: ipaddress.IPv4Address, prefix: int) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network((address, prefix), strict=False)


def sim_ip_pool(*, principal: Principal, sim: Sim) -> ipaddress.IPv4Network | None:
    """The pool the caller's SIM has its static address from; None without an address or for one given outside
    the pools. One indexed look-up: the pool is one of the networks around the address."""
    principal.require(Permission.VIEW)
    if not sim.ip_address:
        return None
    address = ipaddress.IPv4Address(str(sim.ip_address))
    around = [str(_around(address, prefix)) for prefix in range(addressing.SMALLEST_POOL + 1)]
    holder = addressing.pool_holder(principal.organisation_id)
    found = IpPool.objects.filter(organisation_id=holder, network__in=around).values_list("network", flat=True).first()
    return ipaddress.IPv4Network(found) if found else None


EXPORT_COLUMNS = (
    "iccid",
    "iccid_with_luhn",
    "imsi",
    "msisdn",
    "imei",
    "label",
    "status",
    "ip_address",
    "data_remaining",
    "data_total",
    "sms_remaining",
    "sms_total",
    "lifetime_end",
)


def export_query(*, principal: Principal, filters: SimFilters | None = None) -> QuerySet:
    """All matching SIMs as tuples in EXPORT_COLUMNS order; read with .iterator() for constant memory."""
    return sims_list(principal=principal, filters=filters).values_list(*EXPORT_COLUMNS)


def sim_imports(*, principal: Principal) -> QuerySet[SimImport]:
    principal.require(Permission.VIEW)
    require_operator(principal)
    return SimImport.objects.filter(organisation_id=principal.organisation_id).defer("content")


def sim_import_get(*, principal: Principal, import_id: int) -> SimImport:
    job = sim_imports(principal=principal).filter(pk=import_id).first()
    if job is None:
        raise NotFound(_("Import not found."), field="import_id")
    return job


def sim_plans() -> list[SimPlan]:
    return list(SimPlan.objects.all())


def inventory_plans(*, principal: Principal) -> list[SimPlan]:
    """The plans an import may put on new stock: for the operator's staff, who run the inventory."""
    principal.require(Permission.VIEW)
    require_operator(principal)
    return sim_plans()


def stock_count(*, principal: Principal) -> int:
    return _own(principal).filter(activation_date=None).count()


def stock_in_ranges(*, principal: Principal, ranges: list[tuple[str, str]], limit: int = 100_000) -> list[str]:
    """ICCIDs of never-activated SIMs within the ranges (FROM;TO, 19 digits): a vendor's box assigned at once."""
    if not ranges:
        return []
    chosen = Q()
    for low, high in ranges:
        chosen |= Q(iccid__gte=low, iccid__lte=high)
    stock = _own(principal).filter(chosen, activation_date=None).order_by("iccid")
    return list(stock.values_list("iccid", flat=True)[:limit])


def status_choices() -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in SimStatus]


@dataclass(frozen=True)
class NetworkDevice:
    imsi: str
    msisdn: str | None
    ip_address: str | None


def unscoped_network_devices(*, limit: int) -> list[NetworkDevice]:
    """SIMs that may go online (delivered and enabled), for the network simulator only."""
    rows = (
        Sim.objects.filter(status=SimStatus.ENABLED)
        .exclude(activation_date=None)
        .order_by("pk")
        .values_list("imsi", "msisdn", "ip_address")[:limit]
    )
    return [NetworkDevice(*row) for row in rows]


def deliverable_count(*, form_factor: str = "") -> int:
    """SIM cards the operator can still deliver (of one form factor, if given)."""
    return deliveries.stock_sims(form_factor).count()


def low_since(*, sim_id: int, organisation_id: int, service: str) -> datetime | None:
    """When the SIM's data or SMS quota fell under 20 % (what an auto top-up answers), or None: 20 % or more left
    again, or not this organisation's SIM."""
    if service not in quotas.QUOTA_FIELDS:
        return None
    row = (
        Sim.objects.filter(pk=sim_id, organisation_id=organisation_id)
        .values_list(f"{service}_status", f"{service}_threshold_at")
        .first()
    )
    if row is None or row[0] == QuotaStatus.AVAILABLE:
        return None
    return row[1]


@dataclass(frozen=True)
class SmsEndpoint:
    """What the SMS gateway needs of a SIM to route a message to or from it."""

    sim_id: int
    organisation_id: int
    iccid: str
    msisdn: str
    imsi: str
    reachable: bool  # attached to a network, so an MT can be delivered now


def unscoped_sms_endpoint(*, msisdn: str = "", sim_id: int | None = None) -> SmsEndpoint | None:
    """A SIM by its MSISDN (an MO's sender or recipient) or id, for the SMS gateway only."""
    if sim_id is not None:
        sims = Sim.objects.filter(pk=sim_id)
    elif msisdn:
        sims = Sim.objects.filter(msisdn=msisdn)
    else:
        return None
    row = sims.values_list("pk", "organisation_id", "iccid", "msisdn", "imsi", "connectivity__status").first()
    if row is None:
        return None
    pk, organisation_id, iccid, number, imsi, status = row
    reachable = status in (ConnectivityStatus.ATTACHED, ConnectivityStatus.ONLINE)
    return SmsEndpoint(pk, organisation_id, iccid, number or "", imsi, reachable)


def volume_notifications_get(*, principal: Principal) -> VolumeNotificationSettings:
    """The organisation's choice; nothing is mailed until it makes one."""
    principal.require(Permission.VIEW)
    row = VolumeNotification.objects.filter(organisation_id=principal.organisation_id).first()
    if row is None:
        return VolumeNotificationSettings()
    return VolumeNotificationSettings(tuple(map(VolumeCondition, row.conditions)), tuple(row.user_ids), row.updated_at)


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str


def unscoped_volume_recipients(*, organisation_id: int, condition: VolumeCondition) -> list[Recipient]:
    """Who hears of `condition` on a SIM of the organisation, for the outbox handler: the chosen users who are still
    active members of it."""
    row = VolumeNotification.objects.filter(organisation_id=organisation_id).first()
    if row is None or condition.value not in row.conditions or not row.user_ids:
        return []
    reader = Principal(ActorKind.SYSTEM, organisation_id, "system", frozenset({Permission.VIEW}), None, "notifications")
    members = tenancy.members_list(principal=reader).filter(user_id__in=row.user_ids).order_by("user_id")
    return [Recipient(m.user.email, m.user.language) for m in members if m.user.is_active]


def unscoped_sim_ref(*, sim_id: int) -> SimRef | None:
    """A SIM by its id as an event names it, for the outbox handlers."""
    row = Sim.objects.filter(pk=sim_id).values_list("pk", "iccid", "label", "imsi", "msisdn").first()
    return SimRef(*row[:4], row[4] or "") if row else None
