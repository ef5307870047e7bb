"""Reads of bookings. Row-level security already limits every query to the bookings the
caller may see (their own stays, the bookings of their listings; staff: all)."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.bookings import refunds
from apps.bookings.calendar_export import (
    PAST_DAYS,
    calendar_token_looks_valid,
    calendar_token_matches,
)
from apps.bookings.models import (
    CANCELLABLE_STATUSES,
    Booking,
    BookingStatus,
    CalendarEntry,
    CalendarEntryKind,
    CalendarExport,
    CalendarFeed,
)
from apps.core import dates
from apps.core.context import as_system
from apps.core.errors import InvalidTransition, NotFound, PermissionDenied
from apps.listings.models import Listing

# Values an app above bookings adds to each serialized booking, by name (reviews: the guest's
# rating, `guest_rating_avg` and `guest_review_count`): bookings knows none of those apps.
_ANNOTATIONS: dict[str, Callable[[], Any]] = {}


def register_booking_annotation(name: str, expression: Callable[[], Any]) -> None:
    """`expression()` (a Subquery on OuterRef("guest_id"), say) is annotated as `name` on the
    bookings the API serializes: in the same query, no N+1."""
    _ANNOTATIONS[name] = expression


# What BookingSerializer renders, and nothing else.
SERIALIZED_FIELDS = (
    "id", "listing_id", "check_in", "check_out", "guests", "status", "total_cents", "currency",
    "quote", "cancellation_policy", "cancellation_reason", "cancelled_by", "cancelled_at",
    "refund_cents", "refund_rule", "created_at", "updated_at",
    "guest__id", "guest__name",
    "guest__erased_at",  # the name shown: "deleted user" once erased (User.display_name)
)  # fmt: skip


def _serialized() -> QuerySet:
    # The listing comes in a second query, not a join: a guest may no longer see the listing
    # they booked (unpublished, deactivated, deleted) and must still see their booking. Its
    # title is then unknown to them (None). The guest always shares the caller's tenant.
    queryset = (
        Booking.objects.select_related("guest")
        .only(*SERIALIZED_FIELDS)
        .prefetch_related(Prefetch("listing", Listing.all_objects.only("id", "title")))
    )
    if _ANNOTATIONS:
        queryset = queryset.annotate(**{name: make() for name, make in _ANNOTATIONS.items()})
    return queryset


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


def booking_for_refund_preview(*, booking_id: int, user: User) -> tuple[Booking, bool, bool]:
    """The booking as the refund rules read it, and whether the user is its guest, its host:
    one query (row-level security: a 404 for whoever may not see it)."""
    booking = (
        Booking.objects.filter(pk=booking_id)
        .only(
            "id",
            "listing_id",
            "guest_id",
            "check_in",
            "check_out",
            "status",
            "total_cents",
            "currency",
            "quote",
            "cancellation_policy",
            "created_at",
        )
        .annotate(
            user_is_host=Exists(Listing.all_objects.filter(pk=OuterRef("listing_id"), owner=user))
        )
        .first()
    )
    if booking is None:
        raise NotFound()
    return booking, booking.guest_id == user.pk, booking.user_is_host


def listings_still_booked(listings: QuerySet[Listing]) -> QuerySet[Listing]:
    """Of these listings, those some booking (of any status) still points at: the purge of
    soft-deleted listings keeps them (registered in BookingsConfig.ready)."""
    return listings.filter(Exists(Booking.objects.filter(listing=OuterRef("pk"))))


def booking_refund_preview(
    *, booking_id: int, user: User, at: dt.datetime | None = None
) -> tuple[Booking, str, refunds.Refund]:
    """What cancelling now would refund — the very computation booking_cancel stores — for
    the booking's guest or host (or staff holding bookings.cancel_booking), as (booking, who
    the cancel would be recorded against, refund). The cancel's own refusals: 403 for anyone
    else who may see it, 409 `invalid_transition` unless pending or confirmed, 409
    `stay_over` from check-out on. One query."""
    booking, is_guest, is_host = booking_for_refund_preview(booking_id=booking_id, user=user)
    if not (is_guest or is_host or user.has_perm("bookings.cancel_booking")):
        raise PermissionDenied(_("Only the guest or the host cancels a booking."))
    if booking.status not in CANCELLABLE_STATUSES:
        raise InvalidTransition(
            _("A %(status)s booking cannot become %(to)s.")
            % {"status": booking.status, "to": BookingStatus.CANCELLED}
        )
    by = refunds.cancelled_by(is_guest=is_guest, is_host=is_host)
    return booking, by, refunds.refund_for(booking, at=at or refunds.now(), by=by)


def listing_blocks(*, listing: Listing) -> QuerySet:
    """The blocks of `listing`'s calendar, by first night (row-level security: its owner's
    and staff's to read)."""
    return CalendarEntry.objects.filter(listing=listing, kind=CalendarEntryKind.BLOCK).order_by(
        "start_date", "id"
    )


def calendar_export(*, listing: Listing) -> CalendarExport | None:
    """The rotation counter of `listing`'s calendar URL (None before any rotation: version
    0), as the caller sees calendar_exports (its owner, staff, system actors)."""
    return CalendarExport.objects.filter(listing_id=listing.pk).first()


def calendar_export_version(*, listing: Listing) -> int:
    export = calendar_export(listing=listing)
    return export.version if export is not None else 0


def calendar_export_entries(*, listing_id: int, token: str) -> list[CalendarEntry] | None:
    """The entries a secret calendar URL serves, or None when the token is not the listing's
    current one (or the listing does not exist, or was deleted): the caller answers 404
    either way, telling nothing about the listing.

    The request is anonymous (another platform polling): once the token's shape is checked,
    the listing's version and calendar are read as the narrow system actor
    system:calendar_export — only inside this function, and the entries are served only after
    the token matched."""
    if not calendar_token_looks_valid(token):
        return None
    with as_system("calendar_export"):
        listing = Listing.objects.filter(pk=listing_id).only("id").first()
        if listing is None:
            return None
        if not calendar_token_matches(
            token, listing_id=listing.pk, version=calendar_export_version(listing=listing)
        ):
            return None
        since = dates.today() - dt.timedelta(days=PAST_DAYS)
        return list(
            CalendarEntry.objects.filter(listing_id=listing.pk, turnover_end__gt=since)
            .only(
                "id", "kind", "booking_id", "start_date", "end_date", "turnover_end", "created_at"
            )
            .order_by("start_date", "id")
        )


def listing_calendar_feeds(*, listing: Listing) -> QuerySet:
    """The calendars `listing` imports (row-level security: its owner's and staff's)."""
    return CalendarFeed.objects.filter(listing=listing).order_by("id")
