from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import SoftDeleteModel, TimeStampedModel


def message_subject_field(model: str, **options) -> models.ForeignKey:
    """What a message is about, if anything: optional, set to NULL when that row goes."""
    return models.ForeignKey(
        model, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages", **options
    )


class Message(TimeStampedModel, SoftDeleteModel):
    subject = models.CharField(max_length=200, verbose_name=_("subject"))
    content = models.TextField(verbose_name=_("content"))
    attachments = ArrayField(
        models.URLField(max_length=500),
        default=list,
        db_default=[],
        blank=True,
        verbose_name=_("attachments"),
    )

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sent_messages",
        verbose_name=_("sender"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="received_messages",
        verbose_name=_("recipient"),
    )
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, related_name="+", verbose_name=_("tenant")
    )
    listing = message_subject_field("listings.Listing", verbose_name=_("listing"))
    booking = message_subject_field("bookings.Booking", verbose_name=_("booking"))

    is_read = models.BooleanField(default=False, db_default=False, verbose_name=_("read"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))
    is_archived = models.BooleanField(default=False, db_default=False, verbose_name=_("archived"))
    is_spam = models.BooleanField(default=False, db_default=False, verbose_name=_("spam"))
    # Set when the recipient reports the message; staff review reported messages.
    reported_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reported at"))

    class Meta:
        db_table = "messages"
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        permissions = [("moderate_message", "Can mark messages as spam or not spam")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(sender=F("recipient")), name="messages_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(is_read=False) | Q(read_at__isnull=False),
                name="messages_read_has_read_at",
            ),
            models.CheckConstraint(
                condition=Q(attachments__len__lte=10), name="messages_attachments_max_10"
            ),
        ]
        indexes = [
            # docs/design.md, "Indexes" (sender_id, recipient_id, listing_id come with their FKs).
            models.Index(fields=["is_read"], name="messages_is_read_idx"),
            models.Index(fields=["created_at"], name="messages_created_at_idx"),
            # A user's inbox, newest first.
            models.Index(fields=["recipient", "-created_at", "-id"], name="messages_inbox_idx"),
            models.Index(fields=["sender", "-created_at", "-id"], name="messages_sent_idx"),
        ]

    def __str__(self) -> str:
        return self.subject
