"""Shared model building blocks and the audit log table."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """created_at / updated_at, with database defaults so raw SQL and COPY get them too."""

    created_at = models.DateTimeField(
        db_default=Now(), editable=False, verbose_name=_("created at")
    )
    updated_at = models.DateTimeField(auto_now=True, db_default=Now(), verbose_name=_("updated at"))

    class Meta:
        abstract = True


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class AliveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """Default manager: soft-deleted rows are hidden unless asked for (`all_objects`)."""

    def get_queryset(self):
        return super().get_queryset().alive()


def acting_user_field(**options) -> models.ForeignKey:
    """The user who did something to a row (added it, deleted it, hid it): optional, set to
    NULL if that user is ever deleted, and no reverse accessor on the user."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        **options,
    )


class SoftDeleteModel(models.Model):
    """deleted_at / deleted_by. Deleting is a service's job (it audits and checks rights);
    this mixin only stores the state and hides deleted rows from the default manager."""

    deleted_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("deleted at")
    )
    deleted_by = acting_user_field(editable=False, verbose_name=_("deleted by"))

    objects = AliveManager()
    all_objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class AuditAction(models.TextChoices):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class AuditLog(models.Model):
    """One row per change of an audited row, written by PostgreSQL triggers.

    The table is partitioned by month on `timestamp` (see the core migrations), so its real
    primary key is (id, timestamp); `id` alone comes from one identity sequence and is unique.
    `user` has no foreign-key constraint on purpose: history must outlive the user it names.
    """

    table_name = models.CharField(max_length=50, verbose_name=_("table name"))
    record_id = models.BigIntegerField(verbose_name=_("record ID"))
    action = models.CharField(max_length=10, choices=AuditAction.choices, verbose_name=_("action"))
    old_data = models.JSONField(null=True, blank=True, verbose_name=_("old data"))
    new_data = models.JSONField(null=True, blank=True, verbose_name=_("new data"))
    changes = models.JSONField(null=True, blank=True, verbose_name=_("changes"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    actor = models.CharField(max_length=100, blank=True, default="", verbose_name=_("actor"))
    user_agent = models.TextField(null=True, blank=True, verbose_name=_("user agent"))
    ip_address = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP address"))
    request_id = models.CharField(
        max_length=64, blank=True, default="", verbose_name=_("request ID")
    )
    timestamp = models.DateTimeField(db_default=Now(), verbose_name=_("timestamp"))

    class Meta:
        db_table = "audit_logs"
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log entries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=AuditAction.values), name="audit_logs_action_valid"
            )
        ]
        indexes = [
            models.Index(fields=["table_name", "record_id"], name="audit_logs_table_record_idx"),
            models.Index(fields=["user"], name="audit_logs_user_idx"),
            models.Index(fields=["timestamp"], name="audit_logs_timestamp_idx"),
        ]

    def __str__(self) -> str:
        # In the current zone (the admin's: TIME_ZONE), with its name: never a bare UTC time.
        text = f"{self.action} {self.table_name}#{self.record_id}"
        if not isinstance(self.timestamp, dt.datetime):  # unsaved: Now() until the insert
            return text
        return f"{text} at {timezone.localtime(self.timestamp):%Y-%m-%d %H:%M %Z}"


class IdempotencyKey(models.Model):
    """The first result of a POST sent with an Idempotency-Key header, replayed to retries."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    method = models.CharField(max_length=10, verbose_name=_("method"))
    path = models.CharField(max_length=255, verbose_name=_("path"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    response_status = models.PositiveSmallIntegerField(null=True, verbose_name=_("response status"))
    response_body = models.JSONField(null=True, verbose_name=_("response body"))
    created_at = models.DateTimeField(db_default=Now(), verbose_name=_("created at"))

    class Meta:
        db_table = "idempotency_keys"
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_keys_user_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_keys_created_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
