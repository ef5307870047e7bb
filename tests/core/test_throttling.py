"""DRF's throttles counted atomically in Redis: one window for every worker and machine."""

import logging
import threading
import time

import pytest
from django.core.cache import cache
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from apps.core.api import throttling
from tests.helpers import error, redis_down

pytestmark = pytest.mark.django_db


def test_a_window_admits_its_limit_then_says_how_long_to_wait():
    results = [
        throttling.sliding_window_hit("t:window", limit=3, window_seconds=60) for _ in range(4)
    ]

    assert [allowed for allowed, _ in results] == [True, True, True, False]
    wait = results[-1][1]
    assert 55 < wait <= 60


def test_requests_leave_the_window_as_it_slides():
    assert throttling.sliding_window_hit("t:slide", limit=1, window_seconds=1)[0]
    assert not throttling.sliding_window_hit("t:slide", limit=1, window_seconds=1)[0]

    time.sleep(1.2)

    assert throttling.sliding_window_hit("t:slide", limit=1, window_seconds=1)[0]


def test_concurrent_hits_never_pass_more_than_the_limit():
    # 40 threads, each with its own Redis connection from the pool, released together: the
    # read-modify-write of DRF's cache history lets several through at once; the script not.
    barrier = threading.Barrier(40)
    allowed = []

    def hit():
        barrier.wait()
        allowed.append(throttling.sliding_window_hit("t:race", limit=10, window_seconds=60)[0])

    threads = [threading.Thread(target=hit) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert allowed.count(True) == 10 and len(allowed) == 40


def test_counters_live_under_the_cache_prefix():
    throttling.sliding_window_hit("t:prefixed", limit=5, window_seconds=60)

    raw = get_redis_connection("default")
    assert raw.exists(cache.make_key("t:prefixed")) == 1
    assert cache.make_key("t:prefixed").startswith(cache.key_prefix + ":")
    assert raw.exists("t:prefixed") == 0


def test_a_cache_that_is_not_redis_fails_the_system_checks(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    errors = throttling.check_the_cache_is_redis(None)

    assert [error.id for error in errors] == ["havre.throttling.E001"]
    assert "LocMemCache" in errors[0].msg


def test_the_configured_cache_passes_the_system_checks():
    assert throttling.check_the_cache_is_redis(None) == []


def test_the_api_throttles_are_ours():
    from django.conf import settings

    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == [
        "apps.core.api.throttling.AnonRateThrottle",
        "apps.core.api.throttling.UserRateThrottle",
        "apps.core.api.throttling.ScopedRateThrottle",
    ]


def test_an_anonymous_client_is_throttled_with_retry_after(monkeypatch):
    monkeypatch.setattr(throttling.AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min"})
    client = APIClient()

    statuses = [client.get("/api/v1/listings/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    throttled = client.get("/api/v1/listings/")
    error(throttled, 429, "throttled")
    assert 0 < int(throttled["Retry-After"]) <= 60


def test_with_redis_down_throttled_requests_are_served_and_logged(settings, monkeypatch, caplog):
    # Fail open: an outage of the cache must not take the API down. Listing search is
    # anonymous: the tenant look-up (a cache read) and the anon throttle both meet the outage.
    monkeypatch.setattr(throttling.AnonRateThrottle, "THROTTLE_RATES", {"anon": "1/min"})
    redis_down(settings)
    client = APIClient()

    with caplog.at_level(logging.WARNING, logger="havre.throttling"):
        statuses = [client.get("/api/v1/listings/").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert any("not applied, Redis unavailable" in record.getMessage() for record in caplog.records)
