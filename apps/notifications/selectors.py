"""Reads of notifications: the recipient's inbox (the API) and the kinds."""

from django.db.models import QuerySet

from apps.notifications import kinds
from apps.notifications.models import Notification

INBOX_FIELDS = ("id", "kind", "data", "created_at", "read_at")


def notification_inbox(*, user, unread: bool = False) -> QuerySet:
    """The user's in-app notifications (kinds with in_app), newest first once paginated; only
    unread ones when `unread`. Served by the indexes notifications_inbox and, for unread,
    the partial notifications_unread (recipient, created_at, id WHERE read_at IS NULL)."""
    queryset = Notification.objects.filter(
        recipient_id=user.pk, kind__in=kinds.in_app_names()
    ).only(*INBOX_FIELDS)
    if unread:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


def notification_unread_count(*, user) -> int:
    return notification_inbox(user=user, unread=True).count()
