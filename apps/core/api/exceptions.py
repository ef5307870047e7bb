"""One error shape for the whole API: {"error": {"code", "message", "fields"}}."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, ProgrammingError, connections
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from apps.core.db.failures import database_failure
from apps.core.errors import DomainError

logger = logging.getLogger("havre.api")

_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    414: "uri_too_long",
    417: "expectation_failed",
    429: "throttled",
    431: "request_header_fields_too_large",
    500: "server_error",
    501: "not_implemented",
    503: "service_unavailable",
}


def error_body(status_code: int, message: str, *, code: str | None = None, fields=None) -> dict:
    return {
        "error": {
            "code": code or _CODES.get(status_code, "error"),
            "message": str(message),  # a lazy translation, in the request's language
            "fields": fields or {},
        }
    }


def _flatten(detail):
    """DRF's nested ErrorDetail lists → plain strings, keyed by field."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return str(detail)


def rollback_request() -> None:
    """The request failed: none of its writes may stay. (DRF's own set_rollback only acts
    with ATOMIC_REQUESTS; our request transaction is RequestContextMiddleware's.)"""
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            connection.set_rollback(True)


# Columns whose model field is not named after them (db_column).
_FIELD_OF_COLUMN = {"last_login_at": "last_login"}


def _insufficient_privilege(exc) -> dict | None:
    """PostgreSQL refused the write (SQLSTATE 42501): a privileged-column guard, or a policy's
    WITH CHECK. The guards name the column; the API names the field (`tenant_id` → `tenant`)."""
    cause = exc.__cause__
    if not isinstance(exc, ProgrammingError) or getattr(cause, "sqlstate", None) != "42501":
        return None
    column = cause.diag.column_name
    if not column:
        return {}
    field = _FIELD_OF_COLUMN.get(column, column.removesuffix("_id"))
    return {field: [cause.diag.message_primary]}


def _authenticate_first(context) -> None:
    """Settle who the caller is before the request is marked for rollback: DRF authenticates
    after content negotiation, so a refused `?format=` reaches here unauthenticated, and an
    HTML renderer (Swagger UI, the browsable API) asking for request.user afterwards would
    query a transaction that no longer accepts queries (a 500)."""
    request = context.get("request")
    if request is None:
        return
    try:
        request.user  # noqa: B018 (the look-up is the point)
    except exceptions.APIException:
        pass  # a bad token: DRF has set the anonymous user; this error is answered instead


def exception_handler(exc, context):
    _authenticate_first(context)
    if isinstance(exc, DomainError):
        rollback_request()
        return Response(
            error_body(exc.status_code, exc.message, code=exc.code, fields=exc.fields),
            status=exc.status_code,
        )
    if (failure := database_failure(exc)) is not None:
        # The database is down, partitioned, too slow, or the transaction lost a race: the
        # client may retry shortly.
        rollback_request()
        logger.warning("database failure answered %d %s: %s", failure.status, failure.code, exc)
        return Response(
            error_body(failure.status, failure.message, code=failure.code),
            status=failure.status,
            headers={"Retry-After": str(failure.retry_after)},
        )
    if isinstance(exc, RequestDataTooBig):
        rollback_request()
        return Response(error_body(413, _("The request body is too large.")), status=413)
    refused_fields = _insufficient_privilege(exc)
    if refused_fields is not None:
        rollback_request()
        logger.warning("database refused a privileged change: %s", exc.__cause__.diag.column_name)
        return Response(
            error_body(403, _("You may not change this."), fields=refused_fields), status=403
        )
    if isinstance(exc, IntegrityError):
        # A rule PostgreSQL enforces that the input validation did not anticipate: the
        # request changes nothing and says which rule, never a 500.
        rollback_request()
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        logger.warning("integrity error answered 409: %s", constraint or exc.__class__.__name__)
        return Response(
            error_body(
                409,
                _("This request conflicts with a rule of the data (%(constraint)s).")
                % {"constraint": constraint}
                if constraint
                else _("This request conflicts with a rule of the data."),
                code="constraint_violation",
            ),
            status=409,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if not isinstance(exc, exceptions.APIException):
        # Unexpected: log it with its traceback, answer a bare 500 without one.
        logger.exception("unhandled API error", exc_info=exc)
        rollback_request()
        return Response(
            error_body(500, _("An unexpected error occurred. It has been logged.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    rollback_request()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        detail = _flatten(exc.detail)
        if isinstance(detail, dict):
            fields = detail
            message = _("Some fields are invalid.")
            non_field = fields.pop("non_field_errors", None)
            if non_field:
                message = non_field[0] if isinstance(non_field, list) else str(non_field)
        else:
            fields = {}
            message = detail[0] if isinstance(detail, list) and detail else str(detail)
        return Response(error_body(400, message, fields=fields), status=400, headers=headers)

    code = exc.get_codes() if isinstance(exc.get_codes(), str) else None
    if isinstance(exc, exceptions.ParseError):
        code = "parse_error"  # a body that is not JSON (or too deep), not an invalid field
    elif (
        type(exc).__module__.startswith("rest_framework")
        or code == exceptions.APIException.default_code
    ):
        # DRF's own exceptions speak in DRF's codes: ours are the status's. An exception of
        # ours that names its code (throttle_unavailable, invalid_cursor...) keeps it.
        code = _CODES.get(exc.status_code, code)
    return Response(
        error_body(exc.status_code, str(exc.detail), code=code),
        status=exc.status_code,
        headers=headers,
    )
