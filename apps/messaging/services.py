"""Every write to messages goes through here."""

from django.db import transaction
from django.db.models.functions import Now

from apps.accounts.models import User
from apps.messaging.models import Message


@transaction.atomic
def message_soft_delete(*, message: Message, actor: User | None) -> Message:
    if message.deleted_at is None:
        # The database's clock, shared with the row-level security policies.
        Message.all_objects.filter(pk=message.pk).update(
            deleted_at=Now(), deleted_by=actor, updated_at=Now()
        )
        message.refresh_from_db(fields=["deleted_at", "deleted_by", "updated_at"])
    return message


@transaction.atomic
def message_restore(*, message: Message, actor: User | None) -> Message:
    if message.deleted_at is not None:
        message.deleted_at = None
        message.deleted_by = None
        message.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return message


@transaction.atomic
def messages_mark_spam(*, messages, is_spam: bool, actor: User) -> int:
    """Moderation, in bulk: returns how many messages changed."""
    return messages.exclude(is_spam=is_spam).update(is_spam=is_spam, updated_at=Now())
