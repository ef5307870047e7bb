"""gunicorn's threaded worker, answering the requests gunicorn itself refuses (request line
over `limit_request_line`, headers over `limit_request_fields`/`limit_request_field_size`,
malformed HTTP) in the API's error shape, {"error": {"code", "message", "fields"}}, instead of
gunicorn's HTML page. Errors of the application itself are left to gunicorn (and are rare: the
application answers its own).
"""

import json

from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers.gthread import ThreadWorker

# gunicorn's own status for its request errors (gunicorn/workers/base.py); the others are 400.
_STATUSES = (
    (errors.LimitRequestLine, 414, "URI Too Long", "The request line is too long."),
    (
        errors.LimitRequestHeaders,
        431,
        "Request Header Fields Too Large",
        "The request has too many headers, or one is too large.",
    ),
    (errors.ExpectationFailed, 417, "Expectation Failed", "This Expect header is not supported."),
    (
        errors.UnsupportedTransferCoding,
        501,
        "Not Implemented",
        "This Transfer-Encoding is not supported.",
    ),
    (errors.ForbiddenProxyRequest, 403, "Forbidden", "Proxy requests are not allowed."),
)
_BAD_REQUEST = (400, "Bad Request", "The HTTP request is malformed.")
# The application's fault, not the client's: gunicorn answers those itself.
_NOT_THE_CLIENTS = (
    errors.InvalidResponseHeader,
    errors.InvalidResponseHeaderName,
    errors.ConfigurationProblem,
)


def error_response(exc: errors.ParseException) -> bytes:
    """The whole HTTP response for a request gunicorn refused."""
    from apps.core.api.exceptions import error_body  # Django is set up once a worker serves

    status, reason, message = next(
        (entry[1:] for entry in _STATUSES if isinstance(exc, entry[0])), _BAD_REQUEST
    )
    body = json.dumps(error_body(status, message)).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
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
