"""Every log line is one JSON object (LOG_FORMAT=json), from Django, our loggers and gunicorn;
development keeps a plain format."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.test import Client

from apps.core.context import DbContext, db_context
from tests.core.failing_urls import FAILURE_MESSAGE
from tests.factories import UserFactory
from tests.gunicorn import ROOT, gunicorn, request
from tests.helpers import REQUEST_LOG_FIELDS, token_for

pytestmark = pytest.mark.django_db

EVERY_LINE = {"time", "level", "logger", "message", "pid"}


@pytest.fixture
def log_lines():
    """What the configured console handler (settings.LOGGING, as Django set it up) writes
    during the test, as a function returning the parsed lines; every line must be JSON."""
    root = logging.getLogger()
    [console] = [handler for handler in root.handlers if handler.get_name() == "console"]
    buffer = io.StringIO()
    previous_stream, previous_level = console.setStream(buffer), root.level
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    try:
        yield lines
    finally:
        console.setStream(previous_stream)
        root.setLevel(previous_level)


def test_a_request_is_one_json_line_with_its_fields(log_lines, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    user = UserFactory()
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7, 10.0.0.3")
    client.force_login(user)

    response = client.get("/api/v1/users/me/", HTTP_X_REQUEST_ID="req-42")

    assert response.status_code == 200
    [line] = [line for line in log_lines() if line["logger"] == "havre.request"]
    assert EVERY_LINE | REQUEST_LOG_FIELDS <= set(line)
    assert line["level"] == "INFO"
    assert line["request_id"] == "req-42"
    assert line["client_ip"] == "198.51.100.7"
    assert line["user_id"] == user.pk
    assert (line["view"], line["method"], line["path"], line["status"]) == (
        "users-me",
        "GET",
        "/api/v1/users/me/",
        200,
    )
    assert line["db_queries"] >= 1 and line["duration_ms"] > 0


def test_a_handled_client_error_is_only_the_request_line(log_lines):
    client = Client()
    statuses = [
        client.get("/api/v1/no-such-thing/").status_code,
        client.get("/api/v1/users/me/").status_code,
        client.get("/no-such-page/").status_code,
        client.post("/api/v1/auth/token/", {}, content_type="application/json").status_code,
    ]

    assert statuses == [404, 401, 404, 400]
    lines = log_lines()
    assert [line["logger"] for line in lines] == ["havre.request"] * 4
    assert [line["status"] for line in lines] == statuses


@pytest.mark.urls("tests.core.failing_urls")
def test_a_server_error_is_one_json_line_with_its_traceback(log_lines):
    response = Client(raise_request_exception=False).get("/test-only/fail/")

    assert response.status_code == 500
    lines = log_lines()
    [error] = [line for line in lines if line["logger"] == "django.request"]
    [request_line] = [line for line in lines if line["logger"] == "havre.request"]
    assert error["level"] == "ERROR" and error["status_code"] == 500
    assert (
        "Traceback" in error["exc_info"] and f"ViewFailed: {FAILURE_MESSAGE}" in error["exc_info"]
    )
    # The traceback and the request line name the same request.
    assert error["request_id"] == request_line["request_id"] == response["X-Request-ID"]
    assert request_line["status"] == 500


def test_development_logs_plain_lines():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "PYTHONPATH": str(ROOT)}
    env.pop("LOG_FORMAT", None)
    script = "import django, logging; django.setup(); logging.getLogger('havre.x').warning('hi')"
    result = subprocess.run(  # noqa: S603 — our own interpreter, fixed arguments
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    [line] = result.stderr.splitlines()
    assert line.endswith(" WARNING havre.x hi")
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


# --- A real gunicorn: everything it prints ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_every_line_gunicorn_prints_is_json(tmp_path, django_db_blocker):
    with db_context(DbContext.system("tests")):
        user = UserFactory()
        token = token_for(user)
    log = tmp_path / "gunicorn.log"
    with (
        django_db_blocker.unblock(),
        gunicorn(
            workers=2,
            log=log,
            DJANGO_SETTINGS_MODULE="tests.core.failing_settings",
            LOG_LEVEL="INFO",
            GUNICORN_ACCESSLOG="-",
            TRUSTED_PROXIES="127.0.0.1/32",
        ) as base_url,
    ):
        me = request(
            f"{base_url}/api/v1/users/me/",
            headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "198.51.100.7"},
        )
        missing = request(f"{base_url}/api/v1/no-such-thing/")
        failed = request(f"{base_url}/test-only/fail/")
    assert [me[0], missing[0], failed[0]] == [200, 404, 500]

    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines()]  # every line, or this fails
    assert lines and all(EVERY_LINE <= set(line) for line in lines), text
    by_logger = {}
    for line in lines:
        by_logger.setdefault(line["logger"], []).append(line)

    # gunicorn's own log (starting, booting workers, shutting down) and its access log.
    assert any("Booting worker" in line["message"] for line in by_logger["gunicorn.error"])
    access = {line["path"]: line for line in by_logger["gunicorn.access"]}
    assert access["/test-only/fail/"]["status"] == 500
    assert access["/api/v1/users/me/"]["request_id"] == me[1]["X-Request-ID"]
    # The application's request lines.
    requests = {line["path"]: line for line in by_logger["havre.request"]}
    mine = requests["/api/v1/users/me/"]
    assert REQUEST_LOG_FIELDS <= set(mine)
    assert (mine["user_id"], mine["client_ip"], mine["view"], mine["status"]) == (
        user.pk,
        "198.51.100.7",
        "users-me",
        200,
    )
    assert requests["/api/v1/no-such-thing/"]["status"] == 404
    # Django's own line: the 500 only, with its traceback; never the handled 404.
    [error] = by_logger["django.request"]
    assert error["status_code"] == 500 and "ViewFailed" in error["exc_info"]
    assert error["request_id"] == failed[1]["X-Request-ID"]
