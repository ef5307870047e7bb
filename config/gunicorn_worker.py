"""gunicorn's threaded worker, answering the requests gunicorn itself refuses (request line
over `limit_request_line`, headers over `limit_request_fields`/`limit_request_field_size`,
malformed HTTP) in the API's error shape, {"error": {"code", "message", "fields"}}, instead of
gunicorn's HTML page. Errors of the application itself are left to gunicorn (and are rare: the
application answers its own).
"""

import json
from typing import NamedTuple

from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers.gthread import ThreadWorker


class Refusal(NamedTuple):
    status: int
    reason: str
    message: str
    code: str | None = None  # None: the API's code for the status


# gunicorn's own status for its request errors (gunicorn/workers/base.py); the others are 400.
_REFUSALS = (
    (errors.LimitRequestLine, Refusal(414, "URI Too Long", "The request line is too long.")),
    (
        errors.LimitRequestHeaders,
        Refusal(
            431,
            "Request Header Fields Too Large",
            "The request has too many headers, or one is too large.",
        ),
    ),
    (
        errors.ExpectationFailed,
        Refusal(417, "Expectation Failed", "This Expect header is not supported."),
    ),
    (
        errors.UnsupportedTransferCoding,
        Refusal(501, "Not Implemented", "This Transfer-Encoding is not supported."),
    ),
    (errors.ForbiddenProxyRequest, Refusal(403, "Forbidden", "Proxy requests are not allowed.")),
)
_BAD_REQUEST = Refusal(400, "Bad Request", "The HTTP request is malformed.", "bad_request")
# The application's fault, not the client's: gunicorn answers those itself.
_NOT_THE_CLIENTS = (
    errors.InvalidResponseHeader,
    errors.InvalidResponseHeaderName,
    errors.ConfigurationProblem,
)


def error_response(exc: errors.ParseException) -> bytes:
    """The whole HTTP response for a request gunicorn refused."""
    from apps.core.api.exceptions import error_body  # Django is set up once a worker serves

    refusal = next((r for kind, r in _REFUSALS if isinstance(exc, kind)), _BAD_REQUEST)
    body = json.dumps(error_body(refusal.status, refusal.message, code=refusal.code)).encode()
    head = (
        f"HTTP/1.1 {refusal.status} {refusal.reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class JsonErrorThreadWorker(ThreadWorker):
    def handle_error(self, req, client, addr, exc):
        if not isinstance(exc, errors.ParseException) or isinstance(exc, _NOT_THE_CLIENTS):
            return super().handle_error(req, client, addr, exc)
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, error_response(exc))
        except Exception:  # the client may be gone already, as gunicorn assumes
            self.log.debug("Failed to send error message.")
