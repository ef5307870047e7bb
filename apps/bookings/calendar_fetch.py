"""Fetching another platform's calendar feed: a URL a host gave us, so a hostile one.

- http and https only; every address the host name resolves to must be public (no private,
  loopback, link-local, multicast, reserved address) unless CALENDAR_FEEDS_ALLOW_PRIVATE (the
  tests' local servers); the connection goes to the address that was checked, so a DNS answer
  changing in between (rebinding) cannot point it elsewhere.
- A timeout per socket operation and a deadline for the whole transfer (a server trickling one
  byte a second is cut off), a size cap (read one byte past it, never more), at most
  MAX_REDIRECTS redirects, each checked the same way.
- Conditional GET: If-None-Match / If-Modified-Since from the previous answer; 304 → None.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

MAX_REDIRECTS = 3
USER_AGENT = "Havre-Calendar-Sync/1.0"


class FeedError(Exception):
    """The feed could not be read; the message is stored on the feed for its host."""


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: not modified since the previous fetch
    etag: str
    last_modified: str


def check_feed_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedError("only http and https addresses are fetched")


def _public_address(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FeedError(f"the host name does not resolve: {host}") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FeedError(f"the host name does not resolve: {host}")
    if not settings.CALENDAR_FEEDS_ALLOW_PRIVATE:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise FeedError("the address is private, loopback or reserved: refused")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch_feed(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    timeout = settings.CALENDAR_FEEDS_TIMEOUT_SECONDS
    max_bytes = settings.CALENDAR_FEEDS_MAX_BYTES
    deadline = time.monotonic() + timeout
    for _redirect in range(MAX_REDIRECTS + 1):
        check_feed_url(url)
        parts = urlsplit(url)
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        address = _public_address(parts.hostname, port)
        kind = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
        connection = kind(parts.hostname, port, address, timeout)
        headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location", "")
                if not location:
                    raise FeedError(f"HTTP {response.status} without a Location")
                url = urljoin(url, location)
                continue
            if response.status == 304:
                return Fetched(None, etag, last_modified)
            if response.status != 200:
                raise FeedError(f"HTTP {response.status}")
            declared = response.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FeedError(f"the feed is larger than {max_bytes} bytes")
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise FeedError(f"the feed took longer than {timeout} s")
                chunk = response.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FeedError(f"the feed is larger than {max_bytes} bytes")
                chunks.append(chunk)
            return Fetched(
                b"".join(chunks),
                (response.getheader("ETag") or "")[:500],
                (response.getheader("Last-Modified") or "")[:100],
            )
        except (OSError, http.client.HTTPException) as exc:
            raise FeedError(f"the feed could not be fetched: {type(exc).__name__}") from exc
        finally:
            connection.close()
    raise FeedError("too many redirects")
