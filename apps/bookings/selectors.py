"""Reads of bookings. Row-level security already limits every query to the bookings the
caller may see (their own stays, the bookings of their listings; staff: all)."""

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.listings.models import Listing

# What BookingSerializer renders, and nothing else.
SERIALIZED_FIELDS = (
    "id", "listing_id", "check_in", "check_out", "guests", "status", "total_cents", "currency",
    "quote", "cancellation_policy", "cancellation_reason", "created_at", "updated_at",
    "guest__id", "guest__name",
    "guest__erased_at",  # the name shown: "deleted user" once erased (User.display_name)
)  # fmt: skip


def _serialized() -> QuerySet:
    # The listing comes in a second query, not a join: a guest may no longer see the listing
    # they booked (unpublished, deactivated, deleted) and must still see their booking. Its
    # title is then unknown to them (None). The guest always shares the caller's tenant.
    return (
        Booking.objects.select_related("guest")
        .only(*SERIALIZED_FIELDS)
        .prefetch_related(Prefetch("listing", Listing.all_objects.only("id", "title")))
    )


def booking_list(
    *,
    user: User,
    role: str = "guest",
    statuses: list[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet:
    """The caller's stays (role "guest") or the bookings of the listings they own ("host"),
    optionally of some statuses and overlapping [date_from, date_to)."""
    queryset = _serialized()
    if role == "host":
        queryset = queryset.filter(listing__in=Listing.all_objects.filter(owner=user).values("id"))
    else:
        queryset = queryset.filter(guest=user)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    if date_from:
        queryset = queryset.filter(check_out__gt=date_from)
    if date_to:
        queryset = queryset.filter(check_in__lt=date_to)
    return queryset


def booking_detail_queryset() -> QuerySet:
    """One booking as the API shows it (a 404 for whoever may not see it)."""
    return _serialized()


def listings_still_booked(listings: QuerySet[Listing]) -> QuerySet[Listing]:
    """Of these listings, those some booking (of any status) still points at: the purge of
    soft-deleted listings keeps them (registered in BookingsConfig.ready)."""
    return listings.filter(Exists(Booking.objects.filter(listing=OuterRef("pk"))))
