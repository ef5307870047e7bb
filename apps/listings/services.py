"""Every write to listings goes through here, and every rule of who may make it: each service
checks its actor first (row-level security underneath is the last word)."""

import datetime as dt
import logging
import uuid

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User, UserRole
from apps.accounts.services import require_verified_email
from apps.core import dates
from apps.core.actors import is_signed_in, require_permission, require_signed_in
from apps.core.errors import InvalidTransition, PermissionDenied
from apps.core.soft_delete import restore, soft_delete
from apps.listings import images
from apps.listings.models import (
    MAX_PHOTOS,
    Listing,
    ListingAmenity,
    ListingPhoto,
    ListingPriceOverride,
    ListingStatus,
    ListingTag,
    ListingVersion,
)

Actor = User | AnonymousUser | None
logger = logging.getLogger(__name__)

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


# The most a listing holds of each (the API refuses longer lists before checking any item;
# MAX_PHOTOS, PostgreSQL itself: apps/listings/models.py).
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
    photos = data.pop("photos", None)
    listing = Listing(owner=owner, tenant_id=owner.tenant_id, status=ListingStatus.DRAFT, **data)
    listing.full_clean(exclude=["owner", "tenant", "category"])
    listing.save()
    _set_links(listing, amenities=amenities, tags=tags, actor=owner)
    if photos is not None:
        listing_photo_urls_set(listing=listing, urls=photos, actor=owner)
    return listing


@transaction.atomic
def listing_update(*, listing: Listing, data: dict, actor: Actor) -> Listing:
    listing_check_actor(listing=listing, actor=actor, permission=CHANGE)
    data = dict(data)
    amenities, tags = data.pop("amenities", None), data.pop("tags", None)
    photos = data.pop("photos", None)
    if photos is not None:
        listing_photo_urls_set(listing=listing, urls=photos, actor=actor)
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


# --- Photos ----------------------------------------------------------------------------------
# A listing's photos are ordered by position, 0 (the cover) to MAX_PHOTOS - 1, one photo each:
# PostgreSQL refuses a 21st (listing_photos_position_range with listing_photos_unique_position).
# Each change takes the listing's row lock first (FOR NO KEY UPDATE: bookings' foreign-key
# checks still pass), so that concurrent uploads count the photos one after the other and
# the loser hears "at most 20" rather than a conflict.


def _lock_photos(listing: Listing) -> list[ListingPhoto]:
    # all_objects: staff remove photos of soft-deleted listings too.
    Listing.all_objects.select_for_update(no_key=True).filter(pk=listing.pk).values_list("id").get()
    return list(ListingPhoto.objects.filter(listing_id=listing.pk).order_by("position"))


def _too_many(field: str) -> ValidationError:
    return ValidationError(
        {field: [_("A listing holds at most %(count)d photos.") % {"count": MAX_PHOTOS}]}
    )


def _set_positions(listing: Listing, photo_ids: list[int]) -> None:
    """Photos `photo_ids`, in that order, at positions 0, 1, 2...: one statement, which the
    unique position (checked at the statement's end) lets move every photo at once."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE listing_photos p SET position = v.position - 1
            FROM unnest(%s::bigint[]) WITH ORDINALITY AS v(id, position)
            WHERE p.id = v.id AND p.listing_id = %s AND p.position <> v.position - 1
            """,
            [photo_ids, listing.pk],
        )


def _photo_files(photo: ListingPhoto) -> list[str]:
    return [name for name in (photo.file.name if photo.file else None,
                              *photo.thumbnails.values()) if name]  # fmt: skip


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a file left behind is harmless; the photo is gone either way
            logger.warning("could not delete photo file %s", name, exc_info=True)


@transaction.atomic
def listing_photo_add(*, listing: Listing, image, actor: Actor) -> ListingPhoto:
    """An uploaded image as the listing's last photo: checked by content and re-encoded
    without metadata (apps/listings/images.py), stored in the default storage; its
    thumbnails come from a job (make_photo_thumbnails)."""
    from apps.listings.tasks import make_photo_thumbnails

    listing_check_actor(listing=listing, actor=actor, permission=CHANGE)
    if ListingPhoto.objects.filter(listing_id=listing.pk).count() >= MAX_PHOTOS:
        raise _too_many("image")  # before the work, when it is already full
    clean = images.image_clean(image)
    # Stored before the lock (an upload to a bucket takes time), removed if the row is not.
    name = default_storage.save(
        f"listings/{listing.pk}/{uuid.uuid4().hex}.{clean.extension}", ContentFile(clean.content)
    )
    try:
        with transaction.atomic():
            photos = _lock_photos(listing)
            if len(photos) >= MAX_PHOTOS:
                raise _too_many("image")
            photo = ListingPhoto.objects.create(
                listing=listing,
                position=len(photos),
                file=name,
                width=clean.width,
                height=clean.height,
            )
    except BaseException:
        _delete_files([name])
        raise
    # Queued in this transaction: no job for a photo that was not stored.
    make_photo_thumbnails.defer(photo_id=photo.pk)
    return photo


def photo_check_remover(*, listing: Listing, actor: Actor) -> None:
    """Its owner removes a photo, and staff holding either listings.change_listing (content)
    or listings.moderate_listing (moderation)."""
    require_signed_in(actor)
    if listing.owner_id != actor.pk and not actor.has_perm(MODERATE):
        listing_check_actor(listing=listing, actor=actor, permission=CHANGE)


@transaction.atomic
def listing_photo_delete(*, photo: ListingPhoto, actor: Actor) -> None:
    """The photo goes, the ones after it move up (the next becomes the cover when it was);
    its files leave the storage once the change is committed."""
    photo_check_remover(listing=photo.listing, actor=actor)
    photos = _lock_photos(photo.listing)
    if not any(p.pk == photo.pk for p in photos):
        return  # removed meanwhile
    files = _photo_files(photo)
    ListingPhoto.objects.filter(pk=photo.pk).delete()
    _set_positions(photo.listing, [p.pk for p in photos if p.pk != photo.pk])
    transaction.on_commit(lambda: _delete_files(files))


@transaction.atomic
def listing_photos_reorder(
    *, listing: Listing, photo_ids: list[int], actor: Actor
) -> list[ListingPhoto]:
    """The listing's photos in the order of `photo_ids` (each of its photos once; the first
    becomes the cover), in one write."""
    listing_check_actor(listing=listing, actor=actor, permission=CHANGE)
    photos = _lock_photos(listing)
    if len(photo_ids) != len(set(photo_ids)) or set(photo_ids) != {p.pk for p in photos}:
        raise ValidationError(
            {"photos": [_("Give the id of each photo of this listing, once each.")]}
        )
    _set_positions(listing, photo_ids)
    return list(ListingPhoto.objects.filter(listing_id=listing.pk).order_by("position"))


@transaction.atomic
def listing_photo_set_cover(*, photo: ListingPhoto, actor: Actor) -> list[ListingPhoto]:
    """The photo becomes the cover (position 0); the ones before it move down by one."""
    listing_check_actor(listing=photo.listing, actor=actor, permission=CHANGE)
    photos = _lock_photos(photo.listing)
    order = [photo.pk, *(p.pk for p in photos if p.pk != photo.pk)]
    _set_positions(photo.listing, order)
    return list(ListingPhoto.objects.filter(listing_id=photo.listing_id).order_by("position"))


@transaction.atomic
def listing_photo_urls_set(*, listing: Listing, urls: list[str], actor: Actor) -> None:
    """The listing's outside photos (URLs: imports, seeds, the listing's `photos` field)
    become `urls`, in that order, after its uploaded photos, which stay as they are."""
    listing_check_actor(listing=listing, actor=actor, permission=CHANGE)
    photos = _lock_photos(listing)
    uploaded = [p.pk for p in photos if p.file]
    if len(uploaded) + len(urls) > MAX_PHOTOS:
        raise _too_many("photos")
    current_urls = [p.url for p in photos if not p.file]
    if current_urls == list(urls) and [p.pk for p in photos[: len(uploaded)]] == uploaded:
        return
    ListingPhoto.objects.filter(listing_id=listing.pk, url__isnull=False).delete()
    _set_positions(listing, uploaded)
    ListingPhoto.objects.bulk_create(
        ListingPhoto(listing=listing, position=len(uploaded) + i, url=url)
        for i, url in enumerate(urls)
    )


def photo_file_url(name: str) -> str:
    return default_storage.url(name)
