from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One thing a user is to be told, once: (event_key, recipient) is unique, so an event
    reported twice, or a send job run again, never reaches the recipient twice. Rows are written
    by services (notify), in the transaction of the event, and read by their recipient only."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    # The template set: templates/emails/<kind>.subject.txt, .txt and .html.
    kind = models.CharField(max_length=64, verbose_name=_("kind"))
    # What happened, stable across retries: "booking:42:requested".
    event_key = models.CharField(max_length=200, verbose_name=_("event key"))
    # The values the templates show (titles, dates, ids): never a secret.
    data = models.JSONField(default=dict, db_default={}, blank=True, verbose_name=_("data"))
    created_at = models.DateTimeField(
        db_default=Now(), editable=False, verbose_name=_("created at")
    )
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        db_table = "notifications"
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient"], name="notifications_event_recipient_unique"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notifications_inbox")]

    def __str__(self) -> str:
        return f"{self.kind} to user {self.recipient_id} ({self.event_key})"
