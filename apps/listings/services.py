"""Every write to listings goes through here."""

from django.db import transaction

from apps.accounts.models import User
from apps.core.errors import InvalidTransition
from apps.core.soft_delete import restore, soft_delete
from apps.listings.models import (
    Listing,
    ListingAmenity,
    ListingStatus,
    ListingTag,
    ListingVersion,
)


@transaction.atomic
def listing_soft_delete(*, listing: Listing, actor: User | None) -> Listing:
    """Hide the listing from everyone but its owner and staff; `listing_restore` undoes it."""
    soft_delete(listing, actor)
    return listing


@transaction.atomic
def listing_restore(*, listing: Listing, actor: User | None) -> Listing:
    restore(listing)
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


# The most a listing holds of each (the API refuses longer lists before checking any item).
MAX_PHOTOS = 20
MAX_AMENITIES = 100
MAX_TAGS = 50


def _set_links(listing: Listing, *, amenities, tags, actor: User | None) -> None:
    if amenities is not None:
        ListingAmenity.objects.filter(listing=listing).exclude(amenity__in=amenities).delete()
        have = set(
            ListingAmenity.objects.filter(listing=listing).values_list("amenity_id", flat=True)
        )
        ListingAmenity.objects.bulk_create(
            ListingAmenity(listing=listing, amenity=a) for a in amenities if a.pk not in have
        )
    if tags is not None:
        ListingTag.objects.filter(listing=listing).exclude(tag__in=tags).delete()
        have = set(ListingTag.objects.filter(listing=listing).values_list("tag_id", flat=True))
        ListingTag.objects.bulk_create(
            ListingTag(listing=listing, tag=t, added_by=actor) for t in tags if t.pk not in have
        )


@transaction.atomic
def listing_create(*, owner: User, data: dict) -> Listing:
    """A new listing is always a draft of its owner, in the owner's tenant."""
    data = dict(data)
    amenities, tags = data.pop("amenities", None), data.pop("tags", None)
    listing = Listing(owner=owner, tenant_id=owner.tenant_id, status=ListingStatus.DRAFT, **data)
    listing.full_clean(exclude=["owner", "tenant", "category"])
    listing.save()
    _set_links(listing, amenities=amenities, tags=tags, actor=owner)
    return listing


@transaction.atomic
def listing_update(*, listing: Listing, data: dict, actor: User) -> Listing:
    data = dict(data)
    amenities, tags = data.pop("amenities", None), data.pop("tags", None)
    for field, value in data.items():
        setattr(listing, field, value)
    if data:
        listing.full_clean(exclude=["owner", "tenant", "category"])
        listing.save(update_fields=[*data.keys(), "updated_at"])
    _set_links(listing, amenities=amenities, tags=tags, actor=actor)
    return listing
