"""The client's address behind trusted proxies (apps/core/client_ip.py): X-Forwarded-For is
walked from the right, past the trusted proxies only."""

import pytest
from django.test import RequestFactory

from apps.core.client_ip import client_ip, forwarded_by_untrusted_peer

TRUSTED = ["10.0.0.0/8", "2001:db8::/32"]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # Not behind a trusted proxy: the peer, whatever the header says.
        ("203.0.113.9", None, "203.0.113.9"),
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),
        # One trusted proxy: the address it appended (the rightmost).
        ("10.0.0.2", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.2", " 198.51.100.7 ", "198.51.100.7"),
        # Two trusted proxies, and entries the client wrote itself further left.
        ("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.3", "198.51.100.7"),
        ("10.0.0.2", "10.9.9.9, 198.51.100.7", "198.51.100.7"),
        # Garbage where a trusted proxy's entry should be: the nearest address vouched for.
        ("10.0.0.2", "198.51.100.7, not-an-ip", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", None, "10.0.0.2"),
        # Every hop is a trusted proxy: the leftmost of them.
        ("10.0.0.2", "10.0.0.4, 10.0.0.3", "10.0.0.4"),
        # IPv6.
        ("2001:db8::1", "2001:0db8:0:0::5, 2001:db8::2", "2001:db8::5"),
        ("2001:db8::1", "2a00:1450::1", "2a00:1450::1"),
    ],
)
def test_client_ip(settings, peer, forwarded_for, client):
    settings.TRUSTED_PROXIES = TRUSTED
    headers = {"REMOTE_ADDR": peer}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for

    assert client_ip(RequestFactory().get("/", **headers)) == client


def test_without_trusted_proxies_the_header_is_ignored_and_flagged(settings):
    settings.TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert client_ip(request) == "127.0.0.1"
    assert forwarded_by_untrusted_peer(request)


def test_a_peer_that_is_no_address(settings):
    settings.TRUSTED_PROXIES = TRUSTED

    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="")) is None
