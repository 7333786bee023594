"""Static IP addresses of SIMs, drawn from pools of the operator's address space that organisations hold.

The RADIUS server answers a SIM's Access-Request with its address as Framed-IP-Address, so a customer can route its
pools through a VPN once: a SIM gets its address when it is delivered and keeps it for life (a transfer to a
sub-organisation does not change it), and a pool never changes hands.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from itertools import islice

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from switchboard.core.errors import Conflict
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy.contracts import OrganisationKind

from ..models import IpPool, Sim

BATCH = 1000
SMALLEST_POOL = 30  # two hosts; a /31 or /32 has no network and broadcast address to leave out


def address_space() -> tuple[IPv4Network, int]:
    """The operator's space and the prefix length of a pool, as configured; a wrong setting fails loudly."""
    try:
        space = IPv4Network(settings.SWITCHBOARD["IP_SPACE"])
    except ValueError as exc:
        raise ImproperlyConfigured(f"SIM_IP_SPACE is not an IPv4 network: {exc}") from None
    prefix = int(settings.SWITCHBOARD["IP_POOL_PREFIX"])
    if not space.prefixlen <= prefix <= SMALLEST_POOL:
        raise ImproperlyConfigured(
            f"SIM_IP_POOL_PREFIX must lie between {space.prefixlen} (the size of SIM_IP_SPACE) and {SMALLEST_POOL}."
        )
    return space, prefix


def pool_holder(organisation_id: int) -> int:
    """Whose pools an organisation's SIMs draw from: a sub-organisation uses its master's, so a customer has one
    set of networks to route whichever of its organisations holds a SIM."""
    ref = tenancy.organisation_ref(organisation_id=organisation_id)
    if ref is not None and ref.kind is OrganisationKind.SUB_ORGANISATION and ref.parent_id is not None:
        return ref.parent_id
    return organisation_id


def in_network(network: IPv4Network) -> Q:
    """SIMs whose address lies in the network, as a lookup the unique index on ip_address serves on either database.
    PostgreSQL stores inet and compares addresses as numbers; SQLite stores text, where a range would compare
    characters ("10.0.0.9" > "10.0.0.10"), so there it is whole-octet text prefixes or, below an octet, the
    addresses themselves."""
    if connection.vendor == "postgresql":
        return Q(ip_address__range=(str(network.network_address), str(network.broadcast_address)))
    if network.prefixlen > 24:
        return Q(ip_address__in=[str(address) for address in network])
    octets = -(-network.prefixlen // 8)  # the prefix rounded up to whole octets
    lookup = Q()
    for part in network.subnets(new_prefix=octets * 8):
        text = ".".join(str(part.network_address).split(".")[:octets]) + "."
        lookup |= Q(ip_address__gte=text, ip_address__lt=text[:-1] + "/")  # "/" sorts right after "."
    return lookup


def assign_addresses(sims: list[Sim], organisation_id: int) -> None:
    """Give each SIM without an address the lowest free host address of the organisation's pools, opening the
    next pool of the space whenever they are full. SIMs that have an address (from the vendor's file, say) keep it.

    Runs in the caller's transaction and locks the organisation's pools until it ends, so two deliveries never
    hand out the same address (the unique ip_address column is the last guard). A constant number of queries per
    pool, whatever the number of SIMs. All or nothing: when the space runs out it raises before any SIM gets an
    address, and the caller's transaction rolls back the pools opened on the way."""
    waiting = [sim for sim in sims if not sim.ip_address]
    if not waiting:
        return
    holder = pool_holder(organisation_id)
    found: list[IPv4Address] = []
    drawn: set[str] = set()
    taken: list[IPv4Network] = []  # every organisation's pools, read when a pool must be opened
    while len(found) < len(waiting):
        pools = [pool for pool in _locked_pools(holder) if pool.network not in drawn]
        if not pools:
            opened = _open_pool(holder, taken)
            pools = [opened] if opened else []
        for pool in sorted(pools, key=lambda p: IPv4Network(p.network)):
            found += _free_hosts(IPv4Network(pool.network), len(waiting) - len(found))
            drawn.add(pool.network)
            if len(found) == len(waiting):
                break
    for sim, address in zip(waiting, found, strict=True):
        sim.ip_address = str(address)
    Sim.objects.bulk_update(waiting, ["ip_address"], batch_size=BATCH)


def backfill_addresses() -> int:
    """Static addresses for SIMs delivered before pools existed (an upgrade), organisation by organisation, each
    in its own transaction; returns how many SIMs got one."""
    organisations = (
        Sim.objects.filter(ip_address=None).exclude(activation_date=None).values_list("organisation_id", flat=True)
    )
    given = 0
    for organisation_id in sorted(set(organisations)):
        with transaction.atomic():
            sims = list(
                Sim.objects.select_for_update()
                .filter(organisation_id=organisation_id, ip_address=None)
                .exclude(activation_date=None)
                .order_by("iccid")
            )
            assign_addresses(sims, organisation_id)
            given += len(sims)
    return given


def _locked_pools(holder: int) -> list[IpPool]:
    return list(IpPool.objects.select_for_update().filter(organisation_id=holder))


def _free_hosts(network: IPv4Network, wanted: int) -> list[IPv4Address]:
    """Up to `wanted` host addresses of the network that no SIM has, lowest first (one query)."""
    used = {IPv4Address(str(a)) for a in Sim.objects.filter(in_network(network)).values_list("ip_address", flat=True)}
    return list(islice((host for host in network.hosts() if host not in used), wanted))


def _open_pool(holder: int, taken: list[IPv4Network]) -> IpPool | None:
    """The lowest network of the space that no organisation holds, now the holder's. None when a concurrent
    transaction took that network first: the caller looks at its pools again (that one may be among them)."""
    space, prefix = address_space()
    if not taken:
        taken.extend(IPv4Network(n) for n in IpPool.objects.values_list("network", flat=True))
    network = _lowest_free_network(space, prefix, taken)
    if network is None:
        raise Conflict(
            _("The operator's IP address space is used up: there is no static address left for these SIMs."),
            code="ip_space_exhausted",
        )
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the caller's transaction usable
            pool = IpPool.objects.create(organisation_id=holder, network=str(network))
    except IntegrityError:
        taken.clear()  # read again: someone else's pools have appeared
        return None
    taken.append(network)
    return pool


def _lowest_free_network(space: IPv4Network, prefix: int, taken: list[IPv4Network]) -> IPv4Network | None:
    """The first /prefix block of the space that overlaps no taken network (pools of another size, left by an
    earlier setting, count too), or None when there is none."""
    size = 2 ** (32 - prefix)
    candidate = int(space.network_address)
    for network in sorted(taken):
        first, last = int(network.network_address), int(network.broadcast_address)
        if last < candidate:
            continue
        if first >= candidate + size:
            break  # the candidate fits in the gap before this network
        candidate = (last // size + 1) * size  # the first aligned block after it
    if candidate + size - 1 > int(space.broadcast_address):
        return None
    return IPv4Network((candidate, prefix))
