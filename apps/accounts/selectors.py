"""Reads of accounts."""

import datetime as dt

from django.db import connection
from django.db.models import QuerySet

from apps.accounts.models import ApiToken, Tenant, User, api_token_digest

SEARCH_MAX_WORDS = 10  # user_search_ids() refuses more


def tenant_id_for_slug(slug: str) -> int | None:
    """The id of the tenant with this slug (core's request tenancy asks, through the look-up
    AccountsConfig.ready registers; core caches the answer)."""
    return Tenant.objects.filter(slug=slug).values_list("id", flat=True).first()


def token_for_key(key: str) -> ApiToken | None:
    """The token of this key with its user (one indexed look-up), or None. Runs as the
    authentication actor: row-level security shows no token to anyone else."""
    return ApiToken.objects.select_related("user").filter(digest=api_token_digest(key)).first()


def tokens_expired(*, now: dt.datetime) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(expires_at__lte=now)


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens, newest first (the key is not among the columns: it is not stored)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def user_ids_matching(*, words: list[str], limit: int) -> list[int]:
    """Ids of the users whose e-mail address or name contains every word, case aside (a word
    of one or two characters: starts with it), newest first, at most `limit`.

    Searching users themselves for a substring reads the whole table: under row-level
    security no index can serve LIKE, which is not LEAKPROOF. The words are looked up in the
    trigram and prefix indexes of the user_search projection by user_search_ids(), which
    answers staff and system contexts only (PostgreSQL refuses any other); callers then read
    the users by primary key, under RLS (accounts.0010_email_lookup)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT user_search_ids(%s::text[], %s)", [list(words), limit])
        return [user_id for (user_id,) in cursor.fetchall()]
