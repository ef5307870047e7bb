"""Every write to listings goes through here, and every rule of who may make it: each service
checks its actor first (row-level security underneath is the last word)."""

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User, UserRole
from apps.accounts.services import require_verified_email
from apps.core import dates
from apps.core.actors import is_signed_in, require_permission, require_signed_in
from apps.core.errors import InvalidTransition, PermissionDenied
from apps.core.soft_delete import restore, soft_delete
from apps.listings.models import (
    Listing,
    ListingAmenity,
    ListingPriceOverride,
    ListingStatus,
    ListingTag,
    ListingVersion,
)

Actor = User | AnonymousUser | None

# What staff need to act on a listing that is not theirs (superusers hold every permission).
MODERATE = "listings.moderate_listing"  # publish, archive, deactivate, delete, restore
CHANGE = "listings.change_listing"  # its content: title, price, photos... and reverts
VIEW_VERSIONS = "listings.view_listingversion"


def listing_check_actor(*, listing: Listing, actor: Actor, permission: str) -> None:
    """The one rule for acting on a listing: its owner, or staff holding `permission`;
    anyone else (another owner, staff without it, anonymous) is refused."""
    require_signed_in(actor)
    if listing.owner_id != actor.pk and not actor.has_perm(permission):
        raise PermissionDenied(
            _("Only the listing's owner or staff holding %(permission)s may.")
            % {"permission": permission}
        )


@transaction.atomic
def listing_soft_delete(*, listing: Listing, actor: Actor) -> Listing:
    """Hide the listing from everyone but its owner and staff; `listing_restore` undoes it."""
    listing_check_actor(listing=listing, actor=actor, permission=MODERATE)
    soft_delete(listing, actor)
    return listing


@transaction.atomic
def listing_restore(*, listing: Listing, actor: Actor) -> Listing:
    listing_check_actor(listing=listing, actor=actor, permission=MODERATE)
    restore(listing)
    return listing


@transaction.atomic
def listing_revert_to_version(
    *, listing: Listing, version: ListingVersion, actor: Actor
) -> Listing:
    """Bring back a version's title, description and price. The database records the result
    as the next version, so history only grows."""
    listing_check_actor(listing=listing, actor=actor, permission=CHANGE)
    if version.listing_id != listing.pk:
        raise ValidationError({"version": _("This version belongs to another listing.")})
    listing.title = version.title
    listing.description = version.description
    listing.price_cents = version.price_cents
    listing.save(update_fields=["title", "description", "price_cents", "updated_at"])
    return listing


# Which statuses each action may start from.
PUBLISHABLE_FROM = (ListingStatus.DRAFT, ListingStatus.ARCHIVED)
ARCHIVABLE_FROM = (ListingStatus.DRAFT, ListingStatus.PUBLISHED)


@transaction.atomic
def listing_publish(*, listing: Listing, actor: Actor) -> Listing:
    """Its owner publishes with a verified e-mail address (REQUIRE_VERIFIED_EMAIL); staff
    holding listings.moderate_listing publish on the owner's behalf."""
    listing_check_actor(listing=listing, actor=actor, permission=MODERATE)
    if listing.owner_id == actor.pk:
        require_verified_email(actor)
    if listing.status not in PUBLISHABLE_FROM:
        raise InvalidTransition(
            _("A %(status)s listing cannot be published.") % {"status": listing.status}
        )
    listing.status = ListingStatus.PUBLISHED
    listing.save(update_fields=["status", "updated_at"])
    return listing


@transaction.atomic
def listing_archive(*, listing: Listing, actor: Actor) -> Listing:
    listing_check_actor(listing=listing, actor=actor, permission=MODERATE)
    if listing.status not in ARCHIVABLE_FROM:
        raise InvalidTransition(
            _("A %(status)s listing cannot be archived.") % {"status": listing.status}
        )
    listing.status = ListingStatus.ARCHIVED
    listing.save(update_fields=["status", "updated_at"])
    return listing


@transaction.atomic
def listing_set_active(*, listing: Listing, active: bool, actor: Actor) -> Listing:
    """Staff switch a listing off (or back on) without touching its status. Not its owner:
    a listing staff switched off stays off."""
    require_permission(actor, MODERATE)
    if listing.is_active != active:
        listing.is_active = active
        listing.save(update_fields=["is_active", "updated_at"])
    return listing


# The most a listing holds of each (the API refuses longer lists before checking any item).
MAX_PHOTOS = 20
MAX_AMENITIES = 100
MAX_TAGS = 50


def _set_links(listing: Listing, *, amenities, tags, actor: User) -> None:
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
    """A new listing is always a draft of its owner, in the owner's tenant; only owner
    accounts have listings (the owner is the actor: nobody creates one for someone else)."""
    if not (is_signed_in(owner) and owner.role == UserRole.OWNER):
        raise PermissionDenied(_("Only owner accounts may do this."))
    data = dict(data)
    amenities, tags = data.pop("amenities", None), data.pop("tags", None)
    listing = Listing(owner=owner, tenant_id=owner.tenant_id, status=ListingStatus.DRAFT, **data)
    listing.full_clean(exclude=["owner", "tenant", "category"])
    listing.save()
    _set_links(listing, amenities=amenities, tags=tags, actor=owner)
    return listing


@transaction.atomic
def listing_update(*, listing: Listing, data: dict, actor: Actor) -> Listing:
    listing_check_actor(listing=listing, actor=actor, permission=CHANGE)
    data = dict(data)
    amenities, tags = data.pop("amenities", None), data.pop("tags", None)
    for field, value in data.items():
        setattr(listing, field, value)
    if data:
        listing.full_clean(exclude=["owner", "tenant", "category"])
        listing.save(update_fields=[*data.keys(), "updated_at"])
    _set_links(listing, amenities=amenities, tags=tags, actor=actor)
    return listing


def check_calendar_nights(start: dt.date, end: dt.date) -> None:
    """Nights [start, end) of a listing's calendar a host sets (prices, blocks): nights a
    guest could book, from today, within the horizon of any date the API takes
    (apps/core/dates.py), the end after the start."""
    errors = {}
    today, latest = dates.today(), dates.today() + dt.timedelta(days=dates.HORIZON_DAYS)
    if start < today:
        errors["start"] = _("Give nights from today on.")
    elif start > latest:
        errors["start"] = _("Give a date until %(date)s.") % {"date": latest.isoformat()}
    if end <= start:
        errors["end"] = _("The end comes after the first night.")
    elif end > latest:
        errors["end"] = _("Give a date until %(date)s.") % {"date": latest.isoformat()}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def price_override_create(
    *, listing: Listing, start: dt.date, end: dt.date, price_cents: int, actor: Actor
) -> ListingPriceOverride:
    """A nightly price for the nights of [start, end), over any earlier override of those
    nights (the latest wins: apps/listings/pricing.py). Bookings already made keep their
    frozen quote."""
    listing_check_actor(listing=listing, actor=actor, permission=CHANGE)
    check_calendar_nights(start, end)
    override = ListingPriceOverride(
        listing=listing, start_date=start, end_date=end, price_cents=price_cents
    )
    override.full_clean(exclude=["listing"])
    override.save()
    return override


@transaction.atomic
def price_override_delete(*, override: ListingPriceOverride, actor: Actor) -> None:
    """The override's nights go back to whatever price lies beneath (an earlier override, or
    the nightly price)."""
    listing_check_actor(listing=override.listing, actor=actor, permission=CHANGE)
    override.delete()
