import logging
import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.factories import UserFactory
from tests.gunicorn import gunicorn, request
from tests.helpers import REQUEST_LOG_FIELDS

pytestmark = pytest.mark.django_db


def request_records(caplog):
    return [r for r in caplog.records if r.name == "havre.request"]


def test_every_request_logs_one_record_with_its_fields(client, caplog):
    user = UserFactory()
    client.force_login(user)

    with caplog.at_level(logging.INFO, logger="havre.request"):
        response = client.get("/api/v1/users/me/", HTTP_X_REQUEST_ID="abc-123")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "abc-123"
    [record] = request_records(caplog)
    line = {field: getattr(record, field) for field in REQUEST_LOG_FIELDS}
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/users/me/"
    assert line["view"] == "users-me"
    assert line["status"] == 200
    assert line["user_id"] == user.pk
    assert line["request_id"] == "abc-123"
    assert line["client_ip"] == "127.0.0.1"
    assert line["db_queries"] >= 1
    assert line["duration_ms"] >= line["db_ms"] >= 0
    assert record.getMessage().startswith("GET /api/v1/users/me/ 200 ")


def test_the_request_line_names_the_client_a_trusted_proxy_forwards(client, caplog, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    with caplog.at_level(logging.INFO, logger="havre.request"):
        client.get("/health/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="198.51.100.7")
        client.get("/health/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert [r.client_ip for r in request_records(caplog)] == ["198.51.100.7", "203.0.113.9"]


def test_a_request_id_is_made_up_when_missing_or_malformed(client):
    response = client.get("/health/", HTTP_X_REQUEST_ID="bad id; drop table")

    assert len(response["X-Request-ID"]) == 32


def test_server_timing_only_in_debug(client, settings):
    assert "Server-Timing" not in client.get("/health/")

    settings.DEBUG = True
    timing = client.get("/health/db/")["Server-Timing"]
    assert timing.startswith("app;dur=") and 'desc="1 queries"' in timing


# --- /metrics: who may read it ---------------------------------------------------------------


def metrics_status(client, remote_addr, forwarded_for=None, authorization=None) -> int:
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization
    return client.get("/metrics", **headers).status_code


def test_metrics_answer_allowed_addresses(client):
    client.get("/health/")

    response = client.get("/metrics")  # the test client comes from 127.0.0.1

    assert response.status_code == 200
    body = response.content.decode()
    assert 'havre_http_requests_total{method="GET",status="200",view="health"}' in body
    assert "havre_http_request_duration_seconds_bucket" in body
    assert "havre_db_queries_per_request_bucket" in body
    assert "havre_database_up 1.0" in body


def test_metrics_direct_clients_by_network(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["192.0.2.0/24", "::1/128"]

    assert metrics_status(client, "192.0.2.10") == 200
    assert metrics_status(client, "::1") == 200
    assert metrics_status(client, "203.0.113.9") == 403
    assert metrics_status(client, "127.0.0.1") == 403  # loopback is allowed only when listed


def test_metrics_behind_a_trusted_proxy_the_forwarded_client_decides(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.METRICS_ALLOWED_NETWORKS = ["192.0.2.0/24"]

    assert metrics_status(client, "10.0.0.2", "192.0.2.10") == 200
    assert metrics_status(client, "10.0.0.2", "192.0.2.10, 10.0.0.3") == 200  # two proxies
    assert metrics_status(client, "10.0.0.2", "203.0.113.9") == 403
    # A client writing an allowed address itself: the proxy appends the real one after it.
    assert metrics_status(client, "10.0.0.2", "192.0.2.10, 203.0.113.9") == 403
    # The proxy's own address is not an allowed client.
    assert metrics_status(client, "10.0.0.2") == 403


def test_metrics_behind_a_proxy_on_the_same_host_refuse_internet_clients(client, settings):
    # The default allow-list is loopback, and so is a proxy on the same host.
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    assert metrics_status(client, "127.0.0.1", "203.0.113.9") == 403
    assert metrics_status(client, "127.0.0.1") == 200  # Prometheus on the host, directly

    # A proxy nobody declared: a forwarded request names a client that cannot be believed.
    settings.TRUSTED_PROXIES = []
    assert metrics_status(client, "127.0.0.1", "203.0.113.9") == 403


def test_metrics_ignore_a_forwarded_for_header_from_an_untrusted_peer(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32", "192.0.2.0/24"]

    assert metrics_status(client, "203.0.113.9", "127.0.0.1") == 403
    assert metrics_status(client, "203.0.113.9", "192.0.2.10") == 403
    assert metrics_status(client, "203.0.113.9", "10.0.0.2, 192.0.2.10") == 403


def test_metrics_answer_a_bearer_token_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"

    assert metrics_status(client, "203.0.113.9") == 403
    assert metrics_status(client, "203.0.113.9", authorization="Bearer wrong") == 403
    assert metrics_status(client, "203.0.113.9", authorization="Bearer s3cret-token-2") == 403
    assert metrics_status(client, "203.0.113.9", authorization="Basic s3cret-token") == 403
    assert metrics_status(client, "203.0.113.9", authorization="Bearer sécret") == 403
    assert metrics_status(client, "203.0.113.9", authorization="Bearer s3cret-token") == 200
    assert metrics_status(client, "203.0.113.9", "198.51.100.1", "bearer s3cret-token") == 200


def test_metrics_without_a_token_configured_an_empty_bearer_is_refused(client, settings):
    settings.METRICS_TOKEN = ""

    assert metrics_status(client, "203.0.113.9", authorization="Bearer ") == 403
    assert metrics_status(client, "203.0.113.9", authorization="Bearer") == 403


# --- Prometheus multiprocess mode under a real gunicorn --------------------------------------

WORKERS = 3
SCRAPES = 6
COUNTED = re.compile(rb'^havre_http_requests_total\{[^}]*view="health-db"[^}]*\} (\S+)$', re.M)


def health_db_requests(base_url: str) -> float:
    status, _, body = request(f"{base_url}/metrics")
    assert status == 200, body[:500]
    return sum(float(value) for value in COUNTED.findall(body))


def worker_pids(directory: Path) -> set[int]:
    """The workers that have counted something: prometheus_client's files are per process."""
    return {int(p.stem.rsplit("_", 1)[1]) for p in directory.glob("counter_*.db")}


@pytest.mark.django_db(transaction=True)
def test_metrics_add_up_every_worker_and_never_go_backwards(tmp_path, django_db_blocker):
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    (multiproc_dir / "counter_999999.db").write_bytes(b"\0" * 16)  # a previous run's file
    made = 0
    scraped, expected = [], []
    with (
        django_db_blocker.unblock(),
        gunicorn(
            workers=WORKERS,
            log=tmp_path / "gunicorn.log",
            PROMETHEUS_MULTIPROC_DIR=str(multiproc_dir),
        ) as base_url,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        assert 999999 not in worker_pids(multiproc_dir)  # emptied at master start
        for scrape in range(SCRAPES):
            batch = 12 + 3 * scrape
            statuses = list(pool.map(lambda _: request(f"{base_url}/health/db/")[0], range(batch)))
            assert statuses == [200] * batch
            made += batch
            if scrape == SCRAPES // 2:
                # A worker dies (max_requests, a crash): its counts stay in the total.
                victim = min(worker_pids(multiproc_dir))
                os.kill(victim, signal.SIGKILL)
                time.sleep(0.5)
            scraped.append(health_db_requests(base_url))
            expected.append(made)
        pids = worker_pids(multiproc_dir)

    print(f"\nscrapes: {scraped}; requests made: {made}; workers that counted: {len(pids)}")
    assert len(pids) >= 2, "the requests did not reach several workers"
    assert scraped == sorted(scraped), "a counter went backwards"
    assert scraped == expected
