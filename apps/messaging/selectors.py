from django.db.models import Q, QuerySet

from apps.messaging.models import Message

BOXES = ("inbox", "sent", "archived")


def message_box(*, user, box: str = "inbox", unread: bool = False) -> QuerySet:
    """inbox: received, not archived, not spam; sent; archived (either side)."""
    queryset = Message.objects.select_related("sender", "recipient").only(
        "id", "subject", "content", "attachments", "is_read", "read_at", "is_archived", "is_spam",
        "created_at", "listing_id", "booking_id", "sender__id", "sender__name",
        "recipient__id", "recipient__name",
    )  # fmt: skip
    if box == "sent":
        queryset = queryset.filter(sender=user)
    elif box == "archived":
        queryset = queryset.filter(Q(recipient=user) | Q(sender=user), is_archived=True)
    else:
        queryset = queryset.filter(recipient=user, is_archived=False, is_spam=False)
    if unread:
        queryset = queryset.filter(is_read=False)
    return queryset


def unread_count(*, user) -> int:
    return message_box(user=user, box="inbox", unread=True).count()


def message_detail_queryset() -> QuerySet:
    # Row-level security: sender and recipient only (and staff).
    return Message.objects.select_related("sender", "recipient")
