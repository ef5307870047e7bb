"""Every write to bookings goes through here."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.bookings.models import Booking, BookingStatus
from apps.core.errors import BookingConflict, InvalidTransition, PermissionDenied
from apps.listings.models import Listing, ListingStatus

CANCELLABLE_FROM = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


@transaction.atomic
def booking_cancel(*, booking: Booking, reason: str, actor: User) -> Booking:
    if booking.status not in CANCELLABLE_FROM:
        raise InvalidTransition(f"A {booking.status} booking cannot be cancelled.")
    booking.status = BookingStatus.CANCELLED
    booking.cancellation_reason = (reason or "").strip()
    booking.save(update_fields=["status", "cancellation_reason", "updated_at"])
    return booking


@transaction.atomic
def bookings_complete_past(*, today=None) -> int:
    """Confirmed stays whose check-out has passed become completed (hourly cron)."""
    today = today or timezone.localdate()
    return Booking.objects.filter(status=BookingStatus.CONFIRMED, check_out__lte=today).update(
        status=BookingStatus.COMPLETED, updated_at=timezone.now()
    )


def _booking_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


@transaction.atomic
def booking_create(
    *, guest: User, listing_id: int, check_in: dt.date, check_out: dt.date, guests: int
) -> Booking:
    """A guest books a published listing: pending, priced at nights × the listing's price
    (a snapshot). PostgreSQL refuses an overlap, even between racing requests."""
    listing = (
        Listing.objects.filter(pk=listing_id, status=ListingStatus.PUBLISHED, is_active=True)
        .only("id", "owner_id", "tenant_id", "price_cents", "currency", "max_guests")
        .first()
    )
    if listing is None:
        raise _booking_error("listing", "No published listing with this id.")
    if listing.owner_id == guest.pk:
        raise PermissionDenied("You cannot book your own listing.")
    if check_in < timezone.localdate():
        raise _booking_error("check_in", "The stay cannot start in the past.")
    if check_out <= check_in:
        raise _booking_error("check_out", "Check-out must be after check-in.")
    nights = (check_out - check_in).days
    max_nights = getattr(settings, "BOOKING_MAX_NIGHTS", 90)
    if nights > max_nights:
        raise _booking_error("check_out", f"A stay lasts at most {max_nights} nights.")
    if guests > listing.max_guests:
        raise _booking_error("guests", f"This listing hosts at most {listing.max_guests} guests.")
    try:
        with transaction.atomic():
            return Booking.objects.create(
                listing=listing,
                guest=guest,
                tenant_id=listing.tenant_id,
                check_in=check_in,
                check_out=check_out,
                guests=guests,
                status=BookingStatus.PENDING,
                total_cents=nights * listing.price_cents,
                currency=listing.currency,
            )
    except IntegrityError as exc:
        if (
            getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "")
            == "bookings_no_overlap"
        ):
            raise BookingConflict() from exc
        raise


def _transition(
    booking: Booking, *, allowed_from, to: str, actor: User, host_only: bool, reason=""
):
    is_host = booking.listing.owner_id == actor.pk
    is_guest = booking.guest_id == actor.pk
    if host_only and not is_host and not actor.is_staff:
        raise PermissionDenied("Only the host can do this.")
    if not (is_host or is_guest or actor.is_staff):
        raise PermissionDenied()
    if booking.status not in allowed_from:
        raise InvalidTransition(f"A {booking.status} booking cannot become {to}.")
    booking.status = to
    fields = ["status", "updated_at"]
    if reason:
        booking.cancellation_reason = reason
        fields.append("cancellation_reason")
    booking.save(update_fields=fields)
    return booking


@transaction.atomic
def booking_confirm(*, booking: Booking, actor: User) -> Booking:
    return _transition(
        booking, allowed_from=(BookingStatus.PENDING,), to=BookingStatus.CONFIRMED,
        actor=actor, host_only=True,
    )  # fmt: skip


@transaction.atomic
def booking_decline(*, booking: Booking, actor: User) -> Booking:
    return _transition(
        booking, allowed_from=(BookingStatus.PENDING,), to=BookingStatus.DECLINED,
        actor=actor, host_only=True,
    )  # fmt: skip


@transaction.atomic
def booking_cancel_by_party(*, booking: Booking, actor: User, reason: str = "") -> Booking:
    return _transition(
        booking, allowed_from=CANCELLABLE_FROM, to=BookingStatus.CANCELLED,
        actor=actor, host_only=False, reason=reason,
    )  # fmt: skip
