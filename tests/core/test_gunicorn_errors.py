"""Requests gunicorn refuses before Django sees them answer our JSON error shape (a real
gunicorn, with our config file and worker class)."""

import json

import pytest

from tests.core.servers import database_url, gunicorn


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        gunicorn(workers=1, threads=2, env={"DATABASE_URL": database_url()}) as running,
    ):
        yield running


def parse(raw: bytes) -> tuple[int, dict, dict]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, json.loads(body)


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        # gunicorn's limit_request_line is 4094 bytes by default.
        (
            b"GET /api/v1/listings/?q=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n",
            414,
            "uri_too_long",
        ),
        # limit_request_field_size: 8190 bytes.
        (
            b"GET /health/ HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
            431,
            "request_header_fields_too_large",
        ),
        # limit_request_fields: 100 headers.
        (
            b"GET /health/ HTTP/1.1\r\nHost: localhost\r\n"
            + b"".join(b"X-H%d: 1\r\n" % n for n in range(120))
            + b"\r\n",
            431,
            "request_header_fields_too_large",
        ),
        (b"GET /health/ HTTP/9.9\r\nHost: localhost\r\n\r\n", 400, "bad_request"),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400, "bad_request"),
        (b"GET /health/ HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n", 400, "bad_request"),
    ],  # fmt: skip
    ids=[
        "request-line-too-long",
        "header-too-large",
        "too-many-headers",
        "bad-version",
        "tls-to-http",
        "bad-header-name",
    ],  # fmt: skip
)
def test_requests_gunicorn_refuses_answer_our_json_error_shape(server, request_bytes, status, code):
    answered, headers, body = parse(server.raw(request_bytes))

    assert answered == status
    assert headers["Content-Type"] == "application/json"
    assert int(headers["Content-Length"]) == len(json.dumps(body))
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_the_server_still_serves_after_refusing(server):
    server.raw(b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\n\r\n")

    assert server.call("GET", "/health/").status == 200
