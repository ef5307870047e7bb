"""Reads of accounts."""

import datetime as dt

from django.db.models import QuerySet

from apps.accounts.models import ApiToken, User, api_token_digest


def token_for_key(key: str) -> ApiToken | None:
    """The token of this key with its user (one indexed look-up), or None. Runs as the
    authentication actor: row-level security shows no token to anyone else."""
    return ApiToken.objects.select_related("user").filter(digest=api_token_digest(key)).first()


def tokens_expired(*, now: dt.datetime) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(expires_at__lte=now)


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens, newest first (the key is not among the columns: it is not stored)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
