"""Outgoing connections to addresses customers choose (webhooks, MQTT brokers) without reaching the operator's own
network: a URL naming a private, loopback, link-local, multicast or reserved address is refused when it is configured
and again when it is connected, to the very address that was checked, so DNS answering differently the second time
(rebinding) cannot redirect the connection. `SWITCHBOARD["WEBHOOKS_ALLOW_PRIVATE"]` lifts the rule for
installations whose receivers sit in the operator's network (and for tests and the demo on loopback)."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import ValidationFailed

MAX_URL_LENGTH = 2000
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeDestination(ConnectionError):
    """The destination resolves to an address outgoing connections must not reach, or does not resolve. A kind of
    connection failure, so clients that retry refused connections (paho's reconnect loop) treat it as one."""


def private_allowed() -> bool:
    return bool(settings.SWITCHBOARD.get("WEBHOOKS_ALLOW_PRIVATE", False))


def _embedded(address: Address) -> list[Address]:
    """The address and the IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo)."""
    found: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        found += [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
        if address.teredo:
            found += list(address.teredo)
    return found


def is_public(address: Address) -> bool:
    return all(
        a.is_global
        and not (a.is_private or a.is_loopback or a.is_link_local or a.is_multicast or a.is_reserved)
        and not a.is_unspecified
        for a in _embedded(address)
    )


def vetted_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, all of them allowed, in resolver order; refused if any one is not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeDestination(f"{host} does not resolve: {exc}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeDestination(f"{host} does not resolve")
    if not private_allowed():
        for text in addresses:
            if not is_public(ipaddress.ip_address(text.split("%", 1)[0])):
                raise UnsafeDestination(f"{host} resolves to a non-public address")
    return addresses


def connect(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to a vetted address of `host`, trying them in turn as `socket.create_connection` does."""
    failure: OSError | None = None
    for address in vetted_addresses(host, port):
        try:
            sock = socket.create_connection((address, port), timeout=timeout)
        except OSError as exc:
            failure = exc
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise failure or OSError(f"cannot connect to {host}:{port}")


def _refuse(message: str, *, field: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, code=code)


def check_host(host: str, port: int, *, field: str) -> None:
    """Configuration-time check of a destination host; the connection checks again."""
    try:
        vetted_addresses(host, port)
    except UnsafeDestination:
        raise _refuse(
            _("This host is not reachable from here or points into a private network."),
            field=field,
            code="private_address",
        ) from None


def check_url(url: object, *, field: str = "url") -> str:
    """An http(s) URL without credentials whose host resolves to public addresses only; returns it stripped."""
    text = str(url or "").strip()
    if not text:
        raise _refuse(_("This field is required."), field=field, code="required")
    if len(text) > MAX_URL_LENGTH or any(ord(ch) <= 32 for ch in text):
        raise _refuse(_("Enter a valid URL."), field=field, code="invalid_url")
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http"):
        raise _refuse(_("Only https:// and http:// URLs are allowed."), field=field, code="invalid_scheme")
    if "@" in parts.netloc:
        raise _refuse(_("Put credentials into a header, not into the URL."), field=field, code="credentials_in_url")
    try:
        port = url_port(parts)
    except ValueError:
        raise _refuse(_("Enter a valid URL."), field=field, code="invalid_url") from None
    if not parts.hostname:
        raise _refuse(_("Enter a valid URL."), field=field, code="invalid_url")
    check_host(parts.hostname, port, field=field)
    return text


def url_port(parts: SplitResult) -> int:
    """The URL's port, or its scheme's; ValueError for a port out of range."""
    return parts.port or (443 if parts.scheme == "https" else 80)


class GuardedHTTPConnection(http.client.HTTPConnection):
    """An http.client connection whose socket goes to a vetted address of the host it names."""

    def connect(self) -> None:
        self.sock = connect(self.host, self.port, self.timeout)


class GuardedHTTPSConnection(http.client.HTTPSConnection):
    """As GuardedHTTPConnection, with TLS verified against the host name (not the address connected to)."""

    def __init__(self, host: str, port: int | None = None, *, timeout: float, context: ssl.SSLContext | None = None):
        self.tls_context = context or ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls_context)

    def connect(self) -> None:
        sock = connect(self.host, self.port, self.timeout)
        self.sock = self.tls_context.wrap_socket(sock, server_hostname=self.host)


def http_connection(url: str, *, timeout: float) -> http.client.HTTPConnection:
    """A keep-alive connection for `url`'s scheme, host and port; nothing is sent until the first request."""
    parts = urlsplit(url)
    connection_class = GuardedHTTPSConnection if parts.scheme == "https" else GuardedHTTPConnection
    return connection_class(parts.hostname, url_port(parts), timeout=timeout)
