"""Messaging's part of a person's data (apps.accounts.personal_data), registered in ready().
Messages stay when one party erases their account: the other keeps the conversation; the
erased one shows as "deleted user"."""

from django.db.models import Q

from apps.accounts.personal_data import queryset_section, register_export_section
from apps.messaging.models import Message

EXPORTED_FIELDS = (
    "id",
    "subject",
    "content",
    "attachments",
    "sender_id",
    "recipient_id",
    "listing_id",
    "booking_id",
    "is_read",
    "read_at",
    "is_archived",
    "is_spam",
    "reported_at",
    "created_at",
)
# The recipient's own filing: not the sender's to see (as in the API).
RECIPIENT_ONLY = ("is_archived", "is_spam", "reported_at")


def conversation_id(row: dict) -> str:
    """Messages have no conversation table: one is the pair of parties about one booking,
    one listing, or nothing in particular."""
    low, high = sorted((row["sender_id"], row["recipient_id"]))
    if row["booking_id"] is not None:
        return f"booking:{row['booking_id']}:{low}-{high}"
    if row["listing_id"] is not None:
        return f"listing:{row['listing_id']}:{low}-{high}"
    return f"direct:{low}-{high}"


def _shown(user, row: dict) -> dict:
    row["conversation_id"] = conversation_id(row)
    row["direction"] = "sent" if row["sender_id"] == user.pk else "received"
    if row["direction"] == "sent":
        for field in RECIPIENT_ONLY:
            row.pop(field)
    return row


def register() -> None:
    register_export_section(
        queryset_section(
            "messages",
            "The messages you sent and received, each with its conversation_id (the two "
            "parties and the booking or listing it is about) and its direction.",
            lambda user: Message.objects.filter(Q(sender=user) | Q(recipient=user)),
            EXPORTED_FIELDS,
            transform=_shown,
        )
    )
