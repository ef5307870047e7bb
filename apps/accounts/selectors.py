"""Reads of accounts."""

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from apps.accounts import personal_data
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


# --- personal data (GET /api/v1/users/me/export/) -------------------------------------------


class UnknownExportSection(ValueError):
    pass


def personal_data_export(
    *, user: User, page_size: int, section: str | None = None, after: int = 0
) -> dict[str, Any]:
    """Everything Havre holds about `user`, section by section (apps.accounts.personal_data),
    each at most `page_size` rows: one query per section whatever their length, and bounded
    memory. A longer section says so (`next_after`: the id to continue after, with
    `section`); `section` alone answers that section's page. Read under the caller's own
    row-level security context."""
    sections = personal_data.export_sections()
    if section is not None:
        sections = [s for s in sections if s.name == section]
        if not sections:
            raise UnknownExportSection(section)
    document: dict[str, Any] = {}
    for each in sections:
        rows = each.page(user, after if section else 0, page_size + 1)
        more = len(rows) > page_size
        rows = rows[:page_size]
        document[each.name] = {
            "items": rows,
            "next_after": rows[-1]["id"] if more else None,
        }
    return document
