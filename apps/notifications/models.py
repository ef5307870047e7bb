from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One thing a user is to be told, once: (event_key, recipient) is unique, so an event
    reported twice, or a send job run again, never reaches the recipient twice. Rows are written
    by services (notify), in the transaction of the event, and read by their recipient only;
    the recipient changes read_at and nothing else (PostgreSQL enforces both)."""

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
    # Set by the recipient (the inbox's read and read-all); NULL: unread.
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))
    # Set when the e-mail waits for its batch's digest (a message arriving within 15 minutes
    # of the last e-mail of its conversation): the digest job sends every such row at once.
    email_batch = models.CharField(
        max_length=200, null=True, blank=True, verbose_name=_("e-mail batch")
    )

    class Meta:
        db_table = "notifications"
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient"], name="notifications_event_recipient_unique"
            ),
        ]
        indexes = [
            # The inbox, newest first (the cursor's order).
            models.Index(fields=["recipient", "-created_at", "-id"], name="notifications_inbox"),
            # unread=true and the unread count: the few unread rows among a user's many.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=models.Q(read_at__isnull=True),
                name="notifications_unread",
            ),
            # The digest job's rows: those of a batch still waiting for their e-mail.
            models.Index(
                fields=["recipient", "email_batch"],
                condition=models.Q(sent_at__isnull=True, email_batch__isnull=False),
                name="notifications_batch_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to user {self.recipient_id} ({self.event_key})"


class EmailWindow(models.Model):
    """When a recipient was last e-mailed about a batch (a conversation): a batched kind's
    next e-mail waits until opened_at + the kind's window. Written by system actors only."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    batch = models.CharField(max_length=200, verbose_name=_("batch"))
    opened_at = models.DateTimeField(verbose_name=_("opened at"))

    class Meta:
        db_table = "notification_email_windows"
        verbose_name = _("e-mail window")
        verbose_name_plural = _("e-mail windows")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "batch"], name="notification_email_windows_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} to user {self.recipient_id} since {self.opened_at}"
