"""Idempotency-Key for POSTs: a retried request gets the first result, not a second effect.

Use: decorate a view method that handles a POST (`APIView.post`, a viewset's `create`, a POST
`@action`) with `@idempotent`, and add `IDEMPOTENCY_KEY_PARAMETER` and `IDEMPOTENCY_ERRORS` to
its `extend_schema` — or, for a create answering 201, with `@idempotent_create(...)`, which
does both. The rules:

- The header is optional; without it nothing is stored. Keys are 1–255 printable ASCII
  characters, scoped to the authenticated user (another user may use the same key); anonymous
  requests ignore the header.
- A key is bound to its first request: method, path (with query string) and a SHA-256 of the
  canonical JSON of the parsed body. The same key with another request → 422
  `idempotency_key_reused`.
- Only successes (2xx) are stored — status and body — and replayed to retries, with the header
  `Idempotent-Replayed: true`. A failed request (4xx/5xx) rolls its whole transaction back, the
  key's row included: it had no effect, so a retry runs again (and the key may be reused with a
  corrected body). Stripe also replays 4xx; we do not, because a replayed failure can be wrong
  later (a 409 booking_conflict stops being true when the other booking is cancelled) and ours
  never leave anything behind to protect.
- Concurrency: the key's row is inserted before the view runs, in the request's transaction.
  A second request with the same user and key blocks on the unique index until the first
  request's transaction ends; committed, it replays the stored result; rolled back, it runs
  itself. No 409 in normal operation; the wait lasts as long as the first request.
- Keys expire 24 hours after their first request: an older key counts as new (its row is
  replaced). `idempotency_keys_purge_expired()` deletes old rows in bulk (a cron's job).
"""

import datetime as dt
import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.core.api.serializers import ErrorSerializer
from apps.core.errors import Conflict, IdempotencyKeyReused
from apps.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255
UNIQUE_CONSTRAINT = "idempotency_keys_user_key_unique"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    description="Optional, up to 255 printable ASCII characters, e.g. a UUID. A retry with "
    "the same key and body within 24 h replays the first successful response (header "
    "`Idempotent-Replayed: true`) instead of acting twice; the same key with another body "
    "answers 422 `idempotency_key_reused`. Failed requests are not stored. Keys are per user.",
)
IDEMPOTENCY_ERRORS = {409: ErrorSerializer, 422: ErrorSerializer}


class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"
    default_message = "A request with this Idempotency-Key is still being processed; retry."


def _canonical_body(data) -> str:
    # Bodies are JSON only (DEFAULT_PARSER_CLASSES): `data` is what the JSON parser built.
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def request_fingerprint(request) -> str:
    body = _canonical_body(request.data)
    return hashlib.sha256(
        f"{request.method} {request.get_full_path()}\n{body}".encode()
    ).hexdigest()


def _constraint_of(exc: IntegrityError) -> str | None:
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)


def _claim(*, user, key: str, request, fingerprint: str) -> tuple[IdempotencyKey, bool]:
    """(our new row, True), or (the first request's row, False)."""
    for _attempt in range(3):
        try:
            # A savepoint: the unique violation must not doom the request's transaction.
            # Racing a request that holds the same key uncommitted, this INSERT waits for it.
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    method=request.method,
                    path=request.get_full_path()[:255],
                    request_hash=fingerprint,
                )
            return record, True
        except IntegrityError as exc:
            if _constraint_of(exc) != UNIQUE_CONSTRAINT:
                raise
        record = IdempotencyKey.objects.filter(user=user, key=key).first()
        if record is None:
            continue  # purged since: claim it again
        if record.created_at <= timezone.now() - TTL:
            record.delete()  # expired: the key is new again
            continue
        return record, False
    raise IdempotencyKeyInUse()


def idempotent(view_method):
    """Decorates a view method `(self, request, *args, **kwargs)` handling a POST."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
            raise ValidationError(
                {HEADER: [_("At most %(count)d printable characters.") % {"count": MAX_KEY_LENGTH}]}
            )

        fingerprint = request_fingerprint(request)
        record, claimed = _claim(
            user=request.user, key=key, request=request, fingerprint=fingerprint
        )
        if not claimed:
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused()
            if record.response_status is None:  # only visible if a writer misbehaved
                raise IdempotencyKeyInUse()
            return Response(
                record.response_body,
                status=record.response_status,
                headers={REPLAYED_HEADER: "true"},
            )

        # An exception raised here rolls the request back, this key's row with it.
        response = view_method(self, request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            IdempotencyKey.objects.filter(pk=record.pk).update(
                response_status=response.status_code,
                # What the client received, in JSON terms (dates as strings...).
                response_body=json.loads(JSONRenderer().render(response.data) or b"null"),
            )
        else:
            record.delete()  # a failure returned without raising: not stored either
        return response

    return wrapper


def idempotency_keys_expired(*, now: dt.datetime | None = None) -> QuerySet[IdempotencyKey]:
    """Keys older than 24 h: a request reusing one runs as new, so nothing reads them again."""
    now = now or timezone.now()
    return IdempotencyKey.objects.filter(created_at__lte=now - TTL)


def idempotency_keys_purge_expired(
    *, now: dt.datetime | None = None, batch_size: int | None = None
) -> int:
    """Deletes expired keys (at most `batch_size` of them, the oldest first, when given);
    returns how many. Run it in a privileged context (a command's) to reach every user's keys:
    row-level security shows a user only theirs."""
    expired = idempotency_keys_expired(now=now)
    if batch_size is not None:
        batch = expired.order_by("created_at").values("pk")[:batch_size]
        expired = IdempotencyKey.objects.filter(pk__in=batch)
    deleted, _per_model = expired.delete()
    return deleted


def idempotent_create(*, summary: str, description: str, request, response):
    """A create endpoint's OpenAPI schema (a 201 answering `response`, the Idempotency-Key
    header and its 409/422 errors) and `@idempotent`, in one decorator."""

    def decorate(view_method):
        return extend_schema(
            summary=summary,
            description=description,
            parameters=[IDEMPOTENCY_KEY_PARAMETER],
            request=request,
            responses={201: response, **IDEMPOTENCY_ERRORS},
        )(idempotent(view_method))

    return decorate
