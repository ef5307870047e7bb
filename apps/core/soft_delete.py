"""Soft delete and restore, shared by every SoftDeleteModel's service; and the registry that
`purge_soft_deleted` walks to delete such rows for good once they are old enough.

Core knows no domain model: each app registers, in its AppConfig.ready(), the soft-deletable
models it owns (`register_purge`) and the rows of a lower app's model that its own rows still
need, so the purge keeps them (`register_purge_keep`, e.g. bookings keeps booked listings).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, QuerySet
from django.db.models.functions import Now

from apps.core.context import DbContext, db_context
from apps.core.models import SoftDeleteModel


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


@dataclass(frozen=True)
class Keep:
    """Soft-deleted rows that must outlive the purge, and why (said in the command's summary)."""

    reason: str
    rows: Callable[[QuerySet], QuerySet]  # of these candidates, the ones to keep


@dataclass(frozen=True)
class Purge:
    model: type[Model]
    name: str  # the plural the summary uses: "listings"


_purges: dict[type[Model], Purge] = {}
_keeps: dict[type[Model], list[Keep]] = {}


def register_purge(model: type[Model], *, name: str) -> None:
    """`purge_soft_deleted` deletes `model`'s rows soft-deleted before its cut-off. Models are
    purged in the order their apps register them (INSTALLED_APPS order)."""
    if not issubclass(model, SoftDeleteModel):
        raise TypeError(f"{model.__name__} is not a SoftDeleteModel")
    _purges[model] = Purge(model=model, name=name)


def register_purge_keep(
    model: type[Model], *, reason: str, rows: Callable[[QuerySet], QuerySet]
) -> None:
    """Of `model`'s purge candidates, `rows(candidates)` stay: an upper app's rows still need
    them (a PROTECT foreign key would refuse the delete anyway)."""
    keeps = _keeps.setdefault(model, [])
    if all(keep.reason != reason for keep in keeps):  # registering twice changes nothing
        keeps.append(Keep(reason=reason, rows=rows))


def registered_purges() -> list[Purge]:
    return list(_purges.values())


@dataclass
class PurgePlan:
    """What the purge would do to one model's rows."""

    name: str
    deletable: QuerySet
    kept: list[tuple[Keep, QuerySet]]


def purge_plans(cutoff: dt.datetime) -> list[PurgePlan]:
    plans = []
    for purge in _purges.values():
        candidates = purge.model.all_objects.filter(deleted_at__lt=cutoff)
        kept = [(keep, keep.rows(candidates)) for keep in _keeps.get(purge.model, [])]
        deletable = candidates
        for _keep, rows in kept:
            deletable = deletable.exclude(pk__in=rows.values("pk"))
        plans.append(PurgePlan(name=purge.name, deletable=deletable, kept=kept))
    return plans


def purge_in_batches(queryset: QuerySet, *, batch_size: int, context: DbContext) -> int:
    """Delete the rows for good; each batch is its own short transaction, so no lock is held
    for long. Returns how many rows went."""
    total = 0
    while True:
        with db_context(context):
            ids = list(queryset.values_list("pk", flat=True)[:batch_size])
            if not ids:
                return total
            # The ORM delete applies Django's on_delete rules (e.g. messages keep their
            # text when the listing they mention goes); triggers audit each row.
            queryset.model.all_objects.filter(pk__in=ids).delete()
        total += len(ids)
