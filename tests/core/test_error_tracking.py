"""Errors reach the error tracker (Sentry's protocol) only when SENTRY_DSN is set, and nothing
secret or personal goes with them. The tracker is a real HTTP server on a free loopback port,
named by the DSN: what it receives is exactly what would leave the machine."""

import gzip
import json
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from django.test import Client

from apps.core.error_tracking import before_send, init_from_settings
from tests.core.failing_urls import FAILURE_MESSAGE
from tests.gunicorn import gunicorn, request

pytestmark = pytest.mark.django_db

SECRETS = {
    "authorization header": "header-secret-1",
    "session cookie": "cookie-secret-2",
    "csrf cookie": "csrf-secret-3",
    "password in the body (and in a local variable of the view)": "hunter2-body",
    "token in the body": "tok-body-4",
    "token in the query string": "query-secret-5",
    "an e-mail address": "guest@example.com",
    "the client's address": "198.51.100.7",
}


class Tracker:
    """Records every envelope POSTed to it, decompressed."""

    def __init__(self):
        self.envelopes: list[bytes] = []
        tracker = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                else:
                    assert encoding in ("", "identity"), encoding
                tracker.envelopes.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.dsn = f"http://publickey@127.0.0.1:{self.server.server_port}/42"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def events(self) -> list[dict]:
        """The event items of every envelope (an envelope: a header line, then item header
        and payload lines)."""
        events = []
        for envelope in self.envelopes:
            lines = envelope.split(b"\n")[1:]
            for header, payload in zip(lines[::2], lines[1::2], strict=False):
                if json.loads(header).get("type") == "event":
                    events.append(json.loads(payload))
        return events


@pytest.fixture
def tracker(settings):
    tracker = Tracker()
    tracker.thread.start()
    try:
        yield tracker
    finally:
        # Whatever the test started, nothing of it outlives the test.
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
        tracker.server.shutdown()
        tracker.server.server_close()


FAILING_REQUEST = {
    "path": "/test-only/fail/?token=query-secret-5&page=2",
    "body": {
        "email": "guest@example.com",
        "password": "hunter2-body",
        "api_token": "tok-body-4",
        "note": "please write to guest@example.com",
    },
    "headers": {
        "Content-Type": "application/json",
        "Authorization": "Bearer header-secret-1",
        "Cookie": "sessionid=cookie-secret-2; csrftoken=csrf-secret-3",
        "X-Forwarded-For": "198.51.100.7",
    },
}


def wait_for_events(tracker: Tracker, seconds: float = 20) -> list[dict]:
    deadline = time.monotonic() + seconds
    while not (events := tracker.events()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return events


def test_a_server_error_is_reported_without_secrets_or_personal_data(
    tracker, tmp_path, django_db_blocker
):
    """Through a real gunicorn with the production settings: the whole request (headers,
    cookies, query string, body) is there for the SDK to send."""
    with (
        django_db_blocker.unblock(),
        gunicorn(
            workers=1,
            log=tmp_path / "gunicorn.log",
            DJANGO_SETTINGS_MODULE="tests.core.failing_settings",
            SENTRY_DSN=tracker.dsn,
            SENTRY_ENVIRONMENT="staging-test",
            SENTRY_RELEASE="havre@test-1",
            TRUSTED_PROXIES="127.0.0.1/32",
        ) as base_url,
    ):
        status, _, _ = request(
            base_url + FAILING_REQUEST["path"],
            data=json.dumps(FAILING_REQUEST["body"]).encode(),
            headers=FAILING_REQUEST["headers"],
        )
        events = wait_for_events(tracker)

    assert status == 500
    [event] = [e for e in events if e.get("exception")]
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ViewFailed"
    assert exception["value"] == FAILURE_MESSAGE.replace("guest@example.com", "[email]")
    assert (event["environment"], event["release"]) == ("staging-test", "havre@test-1")
    # The request was reported — and scrubbed.
    request_ = event["request"]
    assert request_["method"] == "POST" and request_["url"].endswith("/test-only/fail/")
    assert request_["data"]["password"] == request_["data"]["api_token"] == "[Filtered]"
    assert request_["data"]["note"] == "please write to [email]"
    assert "page=2" in request_["query_string"]
    assert request_["headers"]["Content-Type"] == "application/json"
    assert "user" not in event or not event["user"].get("ip_address")
    sent = b"".join(tracker.envelopes).decode()
    leaked = [name for name, secret in SECRETS.items() if secret in sent]
    assert leaked == []


@pytest.mark.urls("tests.core.failing_urls")
def test_nothing_is_sent_without_a_dsn(tracker, settings, monkeypatch):
    settings.SENTRY_DSN = ""
    # Even sentry-sdk's own variable does not switch it on: only the setting does.
    monkeypatch.setenv("SENTRY_DSN", tracker.dsn)

    assert init_from_settings() is False
    response = Client(raise_request_exception=False).post(
        FAILING_REQUEST["path"],
        data=json.dumps(FAILING_REQUEST["body"]),
        content_type="application/json",
    )
    sentry_sdk.flush(timeout=2)

    assert response.status_code == 500
    assert not sentry_sdk.get_client().is_active()
    assert tracker.envelopes == []


def test_before_send_scrubs_what_sentry_keeps_as_text():
    event = {
        "request": {
            "headers": {"X-Api-Key": "k-1", "Accept": "application/json"},
            "cookies": {"sessionid": "c-1"},
            "query_string": "access_token=q-1&page=3",
            "data": "email=guest%40example.com&password=p-1&name=Ann",
        },
        "extra": {"note": "mail ann@example.org", "nested": [{"secret_answer": "s-1"}]},
        "breadcrumbs": {"values": [{"data": {"client_ip": "198.51.100.7", "status": 200}}]},
        "exception": {
            "values": [
                {"stacktrace": {"frames": [{"vars": {"request": "<GET '/x?token=t-9&page=4'>"}}]}}
            ]
        },
    }

    scrubbed = json.dumps(before_send(event, {}))

    for secret in ("k-1", "c-1", "q-1", "p-1", "guest", "ann@", "s-1", "198.51", "t-9"):
        assert secret not in scrubbed, secret
    for kept in (
        "application/json",
        "page=3",
        "name=Ann",
        "mail [email]",
        '"status": 200',
        "page=4",
    ):
        assert kept in scrubbed, kept
