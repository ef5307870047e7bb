"""The client's address, as the request log, /metrics, the throttles and the failed-login limiter
see it (docs/security.md, "Trusted proxies and the client address").

X-Forwarded-For is believed only as far as TRUSTED_PROXIES vouch for it: when the peer is a
trusted proxy, the header is walked from the right (the entry that proxy appended) to the left,
past every trusted proxy; the first address that is not one is the client. Anything a client
wrote itself lies further left and is never reached. Without a trusted peer the header is
ignored: the client is REMOTE_ADDR.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=16)
def networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    """Parsed CIDR networks ("10.0.0.0/8", "::1", "192.0.2.7"); a bare address is a /32 or
    /128."""
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def parse_address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def in_networks(address: Address, spec) -> bool:
    return any(address in network for network in networks(tuple(spec)))


def _trusted(address: Address) -> bool:
    return in_networks(address, settings.TRUSTED_PROXIES)


def client_address(request) -> Address | None:
    """The client's address (see the module's docstring); None when the peer's is not one
    (a Unix socket)."""
    peer = parse_address(request.META.get("REMOTE_ADDR") or "")
    if peer is None or not _trusted(peer):
        return peer
    client = peer
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # Not something a trusted proxy writes: the nearest address vouched for stands.
            break
        client = address
        if not _trusted(address):
            break
    return client


def client_ip(request) -> str | None:
    address = client_address(request)
    return str(address) if address is not None else None


def forwarded_by_untrusted_peer(request) -> bool:
    """The request names a forwarded client, but its peer is not a trusted proxy: it came
    through a proxy nobody declared (or the client forged the header), so its true client is
    unknown."""
    if not request.META.get("HTTP_X_FORWARDED_FOR"):
        return False
    peer = parse_address(request.META.get("REMOTE_ADDR") or "")
    return peer is None or not _trusted(peer)
