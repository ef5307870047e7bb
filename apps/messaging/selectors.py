"""Reads of messages. Row-level security shows a message to its sender and recipient (and to
staff, for moderation in the admin); the API narrows that to the parties."""

from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.messaging.models import Message

# What MessageSerializer renders, and nothing else. Both parties share the caller's tenant.
SERIALIZED_FIELDS = (
    "id", "subject", "content", "attachments", "listing_id", "booking_id", "is_read", "read_at",
    "is_archived", "is_spam", "created_at", "sender__id", "sender__name", "recipient__id",
    "recipient__name",
    # The names shown: "deleted user" once erased (User.display_name).
    "sender__erased_at", "recipient__erased_at",
)  # fmt: skip


def message_box(*, user: User, box: str = "inbox", unread: bool = False) -> QuerySet:
    """inbox: received, neither archived nor reported as spam; sent; archived: received and
    archived (not spam). Soft-deleted messages are in none."""
    queryset = Message.objects.select_related("sender", "recipient").only(*SERIALIZED_FIELDS)
    if box == "sent":
        queryset = queryset.filter(sender=user)
    elif box == "archived":
        queryset = queryset.filter(recipient=user, is_archived=True, is_spam=False)
    else:
        queryset = queryset.filter(recipient=user, is_archived=False, is_spam=False)
    if unread:
        queryset = queryset.filter(is_read=False)
    return queryset


def message_unread_count(*, user: User) -> int:
    return Message.objects.filter(
        recipient=user, is_read=False, is_archived=False, is_spam=False
    ).count()


def message_detail_queryset(*, user: User) -> QuerySet:
    """The caller's own messages only — staff included: they moderate in the admin, not by
    reading private messages through the API."""
    return (
        Message.objects.select_related("sender", "recipient")
        .only(*SERIALIZED_FIELDS)
        .filter(Q(sender=user) | Q(recipient=user))
    )
