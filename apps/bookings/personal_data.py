"""Bookings' part of a person's data (apps.accounts.personal_data), registered in ready().

Bookings stay when their guest or host erases their account: the other party keeps their
stay, and accounting its amounts; the erased person shows as "deleted user"."""

from django.db.models import Q, QuerySet

from apps.accounts.personal_data import (
    queryset_section,
    register_erasure_blocker,
    register_erasure_step,
    register_export_section,
)
from apps.bookings.errors import UpcomingStays
from apps.bookings.models import Booking, BookingStatus, CalendarEntry, CalendarEntryKind
from apps.bookings.services import booking_cancel
from apps.core import dates
from apps.listings.models import Listing

EXPORTED_FIELDS = (
    "id",
    "listing_id",
    "guest_id",
    "check_in",
    "check_out",
    "guests",
    "status",
    "total_cents",
    "currency",
    "cancellation_reason",
    "created_at",
    "updated_at",
)


def _hosted_by(user) -> QuerySet[Booking]:
    return Booking.objects.filter(
        listing_id__in=Listing.all_objects.filter(owner=user).values("pk")
    )


def _as_guest_or_host(user) -> QuerySet[Booking]:
    return Booking.objects.filter(
        Q(guest=user) | Q(listing_id__in=Listing.all_objects.filter(owner=user).values("pk"))
    )


def upcoming_stays(user) -> UpcomingStays | None:
    """A confirmed stay, as guest or host, whose check-out is after today, refuses erasure."""
    upcoming = _as_guest_or_host(user).filter(
        status=BookingStatus.CONFIRMED, check_out__gt=dates.today()
    )
    return UpcomingStays() if upcoming.exists() else None


def cancel_pending_requests(user) -> None:
    """Requests still pending, made or received, are cancelled: nobody will answer them."""
    pending = _as_guest_or_host(user).filter(status=BookingStatus.PENDING).order_by("pk")
    for booking in pending:
        booking_cancel(booking=booking, actor=user)


def register() -> None:
    register_export_section(
        queryset_section(
            "bookings_as_guest",
            "The stays you booked.",
            lambda user: Booking.objects.filter(guest=user),
            EXPORTED_FIELDS,
        )
    )
    register_export_section(
        queryset_section(
            "bookings_as_host",
            "The bookings of your listings (the guest as an id).",
            _hosted_by,
            EXPORTED_FIELDS,
        )
    )
    register_export_section(
        queryset_section(
            "calendar_blocks",
            "The nights you closed on your listings' calendars, with your notes.",
            lambda user: CalendarEntry.objects.filter(
                kind=CalendarEntryKind.BLOCK, created_by=user
            ),
            ("id", "listing_id", "start_date", "end_date", "note", "created_at"),
        )
    )
    register_erasure_blocker(upcoming_stays)
    register_erasure_step(cancel_pending_requests)
