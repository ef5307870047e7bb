"""Every write to listings goes through here."""

from django.db import transaction
from django.db.models.functions import Now

from apps.accounts.models import User
from apps.core.errors import InvalidTransition
from apps.listings.models import Listing, ListingStatus, ListingVersion


@transaction.atomic
def listing_soft_delete(*, listing: Listing, actor: User | None) -> Listing:
    """Hide the listing from everyone but its owner and staff; `listing_restore` undoes it."""
    if listing.deleted_at is None:
        # The database's clock, shared with the row-level security policies.
        Listing.all_objects.filter(pk=listing.pk).update(
            deleted_at=Now(), deleted_by=actor, updated_at=Now()
        )
        listing.refresh_from_db(fields=["deleted_at", "deleted_by", "updated_at"])
    return listing


@transaction.atomic
def listing_restore(*, listing: Listing, actor: User | None) -> Listing:
    if listing.deleted_at is not None:
        listing.deleted_at = None
        listing.deleted_by = None
        listing.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return listing


@transaction.atomic
def listing_revert_to_version(
    *, listing: Listing, version: ListingVersion, actor: User | None
) -> Listing:
    """Bring back a version's title, description and price. The database records the result
    as the next version, so history only grows."""
    if version.listing_id != listing.pk:
        raise ValueError("This version belongs to another listing.")
    listing.title = version.title
    listing.description = version.description
    listing.price_cents = version.price_cents
    listing.save(update_fields=["title", "description", "price_cents", "updated_at"])
    return listing


class ListingTransitionError(InvalidTransition):
    pass


# Which statuses each action may start from.
PUBLISHABLE_FROM = (ListingStatus.DRAFT, ListingStatus.ARCHIVED)
ARCHIVABLE_FROM = (ListingStatus.DRAFT, ListingStatus.PUBLISHED)


@transaction.atomic
def listing_publish(*, listing: Listing, actor: User | None) -> Listing:
    if listing.status not in PUBLISHABLE_FROM:
        raise ListingTransitionError(f"A {listing.status} listing cannot be published.")
    listing.status = ListingStatus.PUBLISHED
    listing.save(update_fields=["status", "updated_at"])
    return listing


@transaction.atomic
def listing_archive(*, listing: Listing, actor: User | None) -> Listing:
    if listing.status not in ARCHIVABLE_FROM:
        raise ListingTransitionError(f"A {listing.status} listing cannot be archived.")
    listing.status = ListingStatus.ARCHIVED
    listing.save(update_fields=["status", "updated_at"])
    return listing


@transaction.atomic
def listing_set_active(*, listing: Listing, active: bool, actor: User | None) -> Listing:
    """Staff switch a listing off (or back on) without touching its status."""
    if listing.is_active != active:
        listing.is_active = active
        listing.save(update_fields=["is_active", "updated_at"])
    return listing
