"""Idempotency-Key for POSTs: a retried request gets the first result, not a second effect.

- The key is scoped to the authenticated user; another user may use the same key.
- Same key, different request (method, path or body) → 422 `idempotency_key_reused`.
- Only successful results (2xx) are kept: a request that failed changed nothing (its whole
  transaction rolled back, key included), so retrying it is safe and re-executes it.
- Two identical requests racing: the second waits on the key's unique index until the first
  commits, then replays its result.
- Keys are forgotten after 24 hours.
"""

import datetime as dt
import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.core.errors import IdempotencyKeyReused
from apps.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
TTL = dt.timedelta(hours=24)


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(view_method):
    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 255 or not key.isprintable():
            raise ValidationError({HEADER: ["At most 255 printable characters."]})
        fingerprint = _fingerprint(request)
        IdempotencyKey.objects.filter(
            user=request.user, key=key, created_at__lt=timezone.now() - TTL
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=request.path[:255],
                    request_hash=fingerprint,
                )
        except IntegrityError:
            record = IdempotencyKey.objects.get(user=request.user, key=key)
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused() from None
            response = Response(record.response_body, status=record.response_status)
            response["Idempotent-Replayed"] = "true"
            return response

        response = view_method(self, request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            record.response_status = response.status_code
            record.response_body = json.loads(json.dumps(response.data, default=str))
            record.save(update_fields=["response_status", "response_body"])
        else:
            record.delete()
        return response

    return wrapper
