"""Throttles that hold across processes and machines: every count is made in Redis, atomically.

DRF's SimpleRateThrottle reads a client's history from the cache, appends to it in Python and
writes it back: two workers that read the same history both let their request through, and
with a per-process cache (LocMem) each worker counts alone. Here the whole decision — forget
what left the window, count, record — is one Lua script, which Redis runs without
interleaving another client's command, timed by Redis's own clock (so machines with skewed
clocks share one window). DRF's rate syntax ("10/min"), scopes (anon, user, auth), cache keys
and Retry-After are unchanged.

When Redis cannot be reached these throttles let the request through and log a warning (fail
open: an outage of the cache must not take the API down). The failed-login limiter
(apps/accounts/login_limits.py) makes the opposite choice.
"""

import logging
import math
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework import throttling

from apps.core.client_ip import client_ip

logger = logging.getLogger("havre.throttling")

CacheUnavailable = RedisError  # what the callers of RedisScript catch when Redis is away


@checks.register(checks.Tags.caches)
def check_the_cache_is_redis(app_configs, **kwargs):
    """Another backend (LocMem, say) has no scripts: every login would fail, and a
    per-process cache is the very thing these throttles replace."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.startswith("django_redis."):
        return []
    return [
        checks.Error(
            f"CACHES['default'] is {backend or 'missing'}: the throttles and the failed-login "
            "limiter count in Redis.",
            hint="Use django_redis.cache.RedisCache with REDIS_URL (config/settings/base.py).",
            id="havre.throttling.E001",
        )
    ]


class RedisScript:
    """A Lua script run on the default cache's Redis; its keys get the cache's prefix, so the
    counters of two checkouts (or test databases) sharing one Redis never meet."""

    def __init__(self, lua: str):
        self.lua = lua

    def __call__(self, *, keys: Sequence[str], args: Sequence) -> list | int:
        client = get_redis_connection("default")
        # register_script only hashes the text; redis-py sends EVALSHA, then EVAL once per
        # server that does not know the script yet.
        script = client.register_script(self.lua)
        return script(keys=[cache.make_key(key) for key in keys], args=list(args), client=client)


# KEYS[1]: a sorted set of the client's allowed requests (score: time in ms, Redis's clock).
# ARGV: [1] the number allowed per window, [2] the window in ms, [3] a unique suffix so that
# two requests in the same millisecond are two members.
# Returns {1, 0} when the request may proceed (and records it), {0, ms to wait} otherwise.
_SLIDING_WINDOW = RedisScript(
    """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.max(1, tonumber(oldest[2]) + window - now)}
"""
)


def sliding_window_hit(key: str, *, limit: int, window_seconds: int) -> tuple[bool, float]:
    """Count one request against `key`: (allowed, seconds until the next one would be)."""
    allowed, wait_ms = _SLIDING_WINDOW(
        keys=[key], args=[limit, window_seconds * 1000, secrets.token_hex(4)]
    )
    return bool(allowed), wait_ms / 1000


class AtomicRateThrottle(throttling.SimpleRateThrottle):
    """SimpleRateThrottle's contract (rate, scope, get_cache_key, wait) counted in Redis."""

    _wait: float | None = None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        try:
            allowed, self._wait = sliding_window_hit(
                self.key, limit=self.num_requests, window_seconds=self.duration
            )
        except CacheUnavailable as exc:
            logger.warning("throttle %s not applied, Redis unavailable: %s", self.scope, exc)
            return True
        return allowed

    def wait(self):
        return math.ceil(self._wait) if self._wait else None

    def get_ident(self, request):
        # The client address every other part sees (TRUSTED_PROXIES), not DRF's NUM_PROXIES.
        return client_ip(request) or ""


# DRF's classes first: they pick the scope and the key; the counting is AtomicRateThrottle's
# (ScopedRateThrottle.allow_request sets the view's rate, then calls the next allow_request).
class AnonRateThrottle(throttling.AnonRateThrottle, AtomicRateThrottle):
    pass


class UserRateThrottle(throttling.UserRateThrottle, AtomicRateThrottle):
    pass


class ScopedRateThrottle(throttling.ScopedRateThrottle, AtomicRateThrottle):
    pass
