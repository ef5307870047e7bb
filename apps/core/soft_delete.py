"""Soft delete and restore, shared by every SoftDeleteModel's service."""

from django.db.models import Model
from django.db.models.functions import Now


def soft_delete(obj: Model, actor) -> None:
    if obj.deleted_at is None:
        # The database's clock, shared with the row-level security policies.
        type(obj).all_objects.filter(pk=obj.pk).update(
            deleted_at=Now(), deleted_by=actor, updated_at=Now()
        )
        obj.refresh_from_db(fields=["deleted_at", "deleted_by", "updated_at"])


def restore(obj: Model) -> None:
    if obj.deleted_at is not None:
        obj.deleted_at = None
        obj.deleted_by = None
        obj.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
