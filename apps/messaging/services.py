"""Every write to messages goes through here."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.core.actors import require_permission, require_signed_in
from apps.core.errors import PermissionDenied
from apps.core.soft_delete import soft_delete
from apps.listings.models import Listing
from apps.messaging.models import Message
from apps.messaging.notifications import notify_message_received

MODERATE = "messaging.moderate_message"
DELETE_ANY = "messaging.delete_message"


@transaction.atomic
def message_soft_delete(*, message: Message, actor: User) -> Message:
    """Its sender or recipient deletes it for both (or staff holding messaging.delete_message)."""
    if actor.pk not in (message.sender_id, message.recipient_id) and not actor.has_perm(DELETE_ANY):
        raise PermissionDenied(_("Only the sender or the recipient deletes a message."))
    soft_delete(message, actor)
    return message


@transaction.atomic
def messages_mark_spam(*, messages, is_spam: bool, actor: User) -> int:
    """Moderation, in bulk (staff holding messaging.moderate_message): returns how many
    messages changed."""
    require_permission(actor, MODERATE)
    return messages.exclude(is_spam=is_spam).update(is_spam=is_spam, updated_at=Now())


MAX_SUBJECT_LENGTH = 200
MAX_CONTENT_LENGTH = 10_000
MAX_ATTACHMENTS = 10


@transaction.atomic
def message_send(
    *,
    recipient_id: int,
    subject: str,
    content: str,
    attachments=(),
    listing_id: int | None = None,
    booking_id: int | None = None,
    actor: User,
) -> Message:
    """The actor writes to another active user of their tenant, optionally about a listing
    or a booking the actor may see (row-level security decides what "see" means)."""
    require_signed_in(actor)
    errors = {}
    recipient = (
        User.objects.filter(pk=recipient_id, is_active=True, tenant_id=actor.tenant_id)
        .only("id", "name", "tenant_id")
        .first()
    )
    if recipient is None:
        errors["recipient"] = _("No such user.")
    elif recipient.pk == actor.pk:
        errors["recipient"] = _("You cannot message yourself.")
    if not (subject or "").strip():
        errors["subject"] = _("Write a subject.")
    if not (content or "").strip():
        errors["content"] = _("Write a message.")
    if listing_id is not None and not Listing.objects.filter(pk=listing_id).exists():
        errors["listing"] = _("No such listing.")
    if booking_id is not None and not Booking.objects.filter(pk=booking_id).exists():
        errors["booking"] = _("No such booking.")
    if errors:
        raise ValidationError(errors)
    message = Message.objects.create(
        sender=actor,
        recipient=recipient,
        tenant_id=actor.tenant_id,
        subject=subject,
        content=content,
        attachments=list(attachments),
        listing_id=listing_id,
        booking_id=booking_id,
    )
    # The recipient's inbox at once; e-mails batched per conversation (messaging.notifications).
    notify_message_received(message, sender=actor)
    return message


def _recipient_only(message: Message, actor: User) -> None:
    if message.recipient_id != actor.pk:
        raise PermissionDenied(_("Only the recipient can do this."))


@transaction.atomic
def message_mark_read(*, message: Message, actor: User) -> Message:
    """The recipient reads it; reading again keeps the first read_at."""
    _recipient_only(message, actor)
    if not message.is_read:
        message.is_read, message.read_at = True, timezone.now()
        message.save(update_fields=["is_read", "read_at", "updated_at"])
    return message


@transaction.atomic
def message_archive(*, message: Message, actor: User) -> Message:
    """The recipient files it away: it leaves their inbox for the archived box. (The flag is
    the recipient's: the sender archiving would empty the recipient's inbox.)"""
    _recipient_only(message, actor)
    if not message.is_archived:
        message.is_archived = True
        message.save(update_fields=["is_archived", "updated_at"])
    return message


@transaction.atomic
def message_report_spam(*, message: Message, actor: User) -> Message:
    """The recipient reports it: it leaves their inbox and enters the staff's spam queue."""
    _recipient_only(message, actor)
    if not message.is_spam:
        message.is_spam, message.reported_at = True, timezone.now()
        message.save(update_fields=["is_spam", "reported_at", "updated_at"])
    return message
