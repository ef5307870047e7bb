"""What Havre holds about a person, section by section: the export reads it (GET
/api/v1/users/me/export/), the erasure (DELETE /api/v1/users/me/, services.user_erase) removes it.

Accounts sits below the apps that hold most of it (listings, bookings, reviews, messaging), so
each of them registers, in its AppConfig.ready(), the export sections of its own tables and
what the erasure must check or do with them; accounts registers its own (account, API tokens,
notifications, audit log) here. The export reads every section under the caller's own
row-level security context: a selector's mistake cannot show another user's private rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import F, QuerySet

from apps.core.errors import DomainError

if TYPE_CHECKING:
    from apps.accounts.models import User


Row = dict[str, Any]


@dataclass(frozen=True)
class ExportSection:
    """One section of the export: the user's rows, oldest id first, one page at a time."""

    name: str
    description: str  # what the section holds (docs/security.md and the API's description)
    # At most `limit` rows with an `id` above `after`, in id order: one query.
    page: Callable[[User, int, int], list[Row]]


def queryset_section(
    name: str,
    description: str,
    rows: Callable[[User], QuerySet],
    fields: tuple[str, ...],
    transform: Callable[[User, Row], Row] | None = None,
) -> ExportSection:
    """A section read from a queryset: `rows(user)` filters, `fields` are the columns shown
    (`id` first, which pages the section), `transform` adds or hides values row by row."""

    def page(user: User, after: int, limit: int) -> list[Row]:
        found = list(rows(user).filter(pk__gt=after).order_by("pk").values(*fields)[:limit])
        if transform is not None:
            found = [transform(user, row) for row in found]
        return found

    return ExportSection(name=name, description=description, page=page)


_sections: dict[str, ExportSection] = {}
_blockers: list[Callable[[User], DomainError | None]] = []
_steps: list[Callable[[User], None]] = []


def register_export_section(section: ExportSection) -> None:
    if section.name in _sections:
        raise ValueError(f"Export section {section.name!r} is already registered.")
    _sections[section.name] = section


def export_sections() -> list[ExportSection]:
    """In registration order: accounts' first, then the apps' in INSTALLED_APPS order."""
    return list(_sections.values())


def register_erasure_blocker(check: Callable[[User], DomainError | None]) -> None:
    """`check(user)` returns the error that refuses the erasure (upcoming stays, say), or
    None. Checked, in the erasure's transaction, before anything changes."""
    _blockers.append(check)


def erasure_blockers() -> list[Callable[[User], DomainError | None]]:
    return list(_blockers)


def register_erasure_step(step: Callable[[User], None]) -> None:
    """`step(user)` runs in the erasure's transaction, as the user, before their account is
    scrubbed: the app retires what it holds of theirs (listings taken down, requests
    cancelled). What must stay for the other party stays."""
    _steps.append(step)


def erasure_steps() -> list[Callable[[User], None]]:
    return list(_steps)


# --- accounts' own sections ----------------------------------------------------------------


def _account_page(user: User, after: int, limit: int) -> list[Row]:
    from apps.accounts.models import User

    if after >= user.pk or limit < 1:
        return []
    fields = [f.attname for f in User._meta.concrete_fields if f.name not in HIDDEN_USER_FIELDS]
    return list(User.objects.filter(pk=user.pk).values(*fields, bio=F("profile__bio")))


# The password hash is a secret, not data about the person; email_key repeats the e-mail.
HIDDEN_USER_FIELDS = frozenset({"password", "email_key"})

AUDIT_COLUMNS = (
    "id",
    "timestamp",
    "table_name",
    "record_id",
    "action",
    "actor",
    "by_you",
    "old_data",
    "new_data",
    "changes",
    "ip_address",
    "user_agent",
)


def _audit_page(user: User, after: int, limit: int) -> list[Row]:
    # audit_logs is staff-only under row-level security; this SQL function reads it as
    # system:audit_export for one statement and answers only the caller's rows (core.0013).
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_logs_of_current_user(%s, %s)", [after, limit])
        return [dict(zip(AUDIT_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def register_accounts_sections() -> None:
    from apps.accounts.models import ApiToken
    from apps.notifications.models import Notification

    register_export_section(
        ExportSection(
            name="account",
            description="Your account (the users row but its password hash) and your "
            "profile's bio: one item.",
            page=_account_page,
        )
    )
    register_export_section(
        queryset_section(
            "api_tokens",
            "Your API tokens: name, displayed prefix and dates (never the key nor its digest).",
            lambda user: ApiToken.objects.filter(user=user),
            ("id", "name", "prefix", "created_at", "last_used_at", "expires_at"),
        )
    )
    register_export_section(
        queryset_section(
            "notifications",
            "What Havre told you or is to tell you (kind, event, the values shown, when sent "
            "and when you read it).",
            lambda user: Notification.objects.filter(recipient=user),
            ("id", "kind", "event_key", "data", "created_at", "sent_at", "read_at"),
        )
    )
    register_export_section(
        ExportSection(
            name="audit_log",
            description="The audit trail of your actions and of changes to your account and "
            "profile: what changed, when, by which actor; the IP address and user agent of "
            "your own actions only.",
            page=_audit_page,
        )
    )
