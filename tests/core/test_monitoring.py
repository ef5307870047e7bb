import json
import logging

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def request_lines(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "havre.request"]


def test_every_request_logs_one_structured_line(client, caplog):
    user = UserFactory()
    client.force_login(user)

    with caplog.at_level(logging.INFO, logger="havre.request"):
        response = client.get("/api/v1/users/me/", HTTP_X_REQUEST_ID="abc-123")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "abc-123"
    [line] = request_lines(caplog)
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/users/me/"
    assert line["view"] == "users-me"
    assert line["status"] == 200
    assert line["user_id"] == user.pk
    assert line["request_id"] == "abc-123"
    assert line["db_queries"] >= 1
    assert line["duration_ms"] >= line["db_ms"] >= 0


def test_a_request_id_is_made_up_when_missing_or_malformed(client):
    response = client.get("/health/", HTTP_X_REQUEST_ID="bad id; drop table")

    assert len(response["X-Request-ID"]) == 32


def test_server_timing_only_in_debug(client, settings):
    assert "Server-Timing" not in client.get("/health/")

    settings.DEBUG = True
    timing = client.get("/health/db/")["Server-Timing"]
    assert timing.startswith("app;dur=") and 'desc="1 queries"' in timing


def test_metrics_answer_allowed_addresses(client):
    client.get("/health/")

    response = client.get("/metrics")  # the test client comes from 127.0.0.1

    assert response.status_code == 200
    body = response.content.decode()
    assert 'havre_http_requests_total{method="GET",status="200",view="health"}' in body
    assert "havre_http_request_duration_seconds_bucket" in body
    assert "havre_db_queries_per_request_bucket" in body
    assert "havre_database_up 1.0" in body


def test_metrics_refuse_other_addresses_without_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"

    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong"
        ).status_code
        == 403
    )
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token"
        ).status_code
        == 200
    )
