"""The SSRF guard: customers' URLs never lead into the operator's network, neither when configured nor when a
connection is opened (DNS may answer differently the second time)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from switchboard.core import netguard
from switchboard.core.errors import ValidationFailed

PUBLIC = "93.184.215.14"


@pytest.fixture
def private_allowed(settings):
    settings.SWITCHBOARD = {**settings.SWITCHBOARD, "WEBHOOKS_ALLOW_PRIVATE": True}


@pytest.fixture
def public_dns(monkeypatch):
    """A resolver that answers `answers[host]`, as a remote DNS server would (tests run without one)."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(netguard.socket, "getaddrinfo", resolve)
    return answers


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://[::1]/hook",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "https://localhost:8443/hook",
    ],
)
def test_private_loopback_link_local_multicast_and_reserved_addresses_are_refused(url):
    with pytest.raises(ValidationFailed) as refused:
        netguard.check_url(url)
    assert (refused.value.field, refused.value.code) == ("url", "private_address")


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/file", "invalid_scheme"),
        ("file:///etc/passwd", "invalid_scheme"),
        ("https://user:pass@example.com/hook", "credentials_in_url"),
        ("https://token@example.com/hook", "credentials_in_url"),
        ("https:///hook", "invalid_url"),
        ("https://example.com:99999/hook", "invalid_url"),
        ("https://exa mple.com/", "invalid_url"),
        ("", "required"),
    ],
)
def test_other_schemes_credentials_and_malformed_urls_are_refused(url, code):
    with pytest.raises(ValidationFailed) as refused:
        netguard.check_url(url, field="url")
    assert (refused.value.field, refused.value.code) == ("url", code)


def test_a_public_host_is_accepted(public_dns):
    public_dns["receiver.example"] = [PUBLIC]
    assert netguard.check_url(" https://receiver.example/hook?x=1 ") == "https://receiver.example/hook?x=1"


def test_a_host_with_any_private_address_is_refused(public_dns):
    public_dns["mixed.example"] = [PUBLIC, "10.0.0.5"]
    with pytest.raises(ValidationFailed):
        netguard.check_url("https://mixed.example/")


def test_an_unresolvable_host_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        netguard.check_url("https://does-not-exist.invalid/")
    assert refused.value.field == "url"


def test_the_operator_setting_allows_private_addresses(private_allowed):
    for url in ("http://127.0.0.1:8080/hook", "http://10.1.2.3/", "http://[::1]/", "https://localhost/"):
        assert netguard.check_url(url) == url
    with pytest.raises(ValidationFailed):  # the scheme and credential rules still hold
        netguard.check_url("https://user:pass@localhost/")


def test_connecting_checks_again_and_uses_the_vetted_address(public_dns, private_allowed, settings):
    """DNS rebinding: the name was public when configured and points to loopback when connected."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    port = server.server_address[1]
    try:
        public_dns["rebind.example"] = [PUBLIC]
        settings.SWITCHBOARD = {**settings.SWITCHBOARD, "WEBHOOKS_ALLOW_PRIVATE": False}
        url = netguard.check_url(f"http://rebind.example:{port}/")
        public_dns["rebind.example"] = ["127.0.0.1"]
        with pytest.raises(netguard.UnsafeDestination):
            netguard.http_connection(url, timeout=5).request("GET", "/")

        settings.SWITCHBOARD = {**settings.SWITCHBOARD, "WEBHOOKS_ALLOW_PRIVATE": True}
        connection = netguard.http_connection(url, timeout=5)
        connection.request("GET", "/")
        assert connection.getresponse().status == 204
        connection.close()
        assert seen == [f"rebind.example:{port}"]  # connected to the vetted address, the name kept for Host
    finally:
        server.shutdown()
        server.server_close()
