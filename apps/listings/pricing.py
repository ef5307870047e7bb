"""The price of a stay, and whether it may be booked: one place for both.

`stay_quote` is the only way a price is computed — by the quote endpoint, by booking_create
(which freezes it on the booking) and by the tests. It calls PostgreSQL's listing_quote()
(migration listings.0020), which the bookings guard recomputes on every booking a guest
inserts: the rules live once, where the database can hold a booking to them. In cents:

- each night costs the latest created price override containing it, else the nightly price;
- extra guests: each guest above `guests_included` pays `extra_guest_fee_cents` per night;
- a length-of-stay discount on the nights and the extra-guest fees (never the cleaning fee):
  `monthly_discount_percent` from 28 nights, else `weekly_discount_percent` from 7 nights,
  rounded half up to the cent;
- the cleaning fee, once per stay;
- `total_cents` is the sum of the lines' `amount_cents` (the discount's is negative).

The search's price filter and sort use the nightly price (`price_cents`), not a stay's price:
a search has no dates to price (docs/design.md, "Prices").

`stay_problems` holds today's booking rules for dates and guests; booking_create refuses a
stay with any of them, the quote reports them.
"""

import datetime as dt
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from apps.core import dates
from apps.core.errors import NotFound
from apps.listings.models import Listing, ListingStatus

# Nights a quote may price at once: the database's ceiling on a stay (bookings.MAX_STAY).
MAX_QUOTE_NIGHTS = 366
# Discounts apply from these lengths of stay (the monthly one replaces the weekly one).
WEEKLY_NIGHTS = 7
MONTHLY_NIGHTS = 28


def stay_quote(
    *, listing_id: int, check_in: dt.date, check_out: dt.date, guests: int
) -> dict | None:
    """The price of the stay as the caller may see the listing (row-level security), as
    stored on a booking: {listing, check_in, check_out, guests, nights, currency,
    cancellation_policy, lines, total_cents}. Each line has a `kind` (night, extra_guests,
    discount, cleaning_fee) and an `amount_cents`. None when the caller cannot see the
    listing or the stay is not 1 to MAX_QUOTE_NIGHTS nights long. One query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT listing_quote(%s, %s, %s, %s)", [listing_id, check_in, check_out, guests]
        )
        value = cursor.fetchone()[0]
    # Django has psycopg hand jsonb over as text (its JSONField decodes it).
    return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class StayProblem:
    """Why a stay cannot be booked: the field to change, a stable code, a message."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


# The fields stay_problems reads of a listing (booking_create loads only these and its own).
STAY_RULE_FIELDS = (
    "max_guests",
    "min_nights",
    "max_nights",
    "advance_notice_days",
    "booking_window_days",
)


@dataclass(frozen=True)
class StayRules:
    """A listing's calendar rules as they apply today: the host's (min_nights, max_nights,
    advance_notice_days, booking_window_days, which PostgreSQL's bookings guard holds a
    guest's booking to) within the platform's ceilings (BOOKING_MAX_NIGHTS,
    BOOKING_MAX_ADVANCE_DAYS)."""

    min_nights: int
    max_nights: int
    earliest_check_in: dt.date
    latest_check_in: dt.date

    @classmethod
    def of(cls, listing: Listing | None) -> "StayRules":
        today = dates.today()
        ceiling = settings.BOOKING_MAX_NIGHTS
        if listing is None:  # an unknown listing: the platform's rules only
            return cls(1, ceiling, today, dates.latest_check_in())
        return cls(
            min_nights=listing.min_nights,
            max_nights=min(listing.max_nights, ceiling),
            earliest_check_in=today + dt.timedelta(days=listing.advance_notice_days),
            latest_check_in=min(
                today + dt.timedelta(days=listing.booking_window_days), dates.latest_check_in()
            ),
        )


def stay_problems(
    *, listing: Listing | None, check_in: dt.date, check_out: dt.date, guests: int
) -> list[StayProblem]:
    """Today's booking rules for a stay at `listing` (None: unknown, its own rules skipped):
    guests, then the check-in's place (past, advance notice, booking window), then the
    nights (minimum, maximum)."""
    problems = []
    rules = StayRules.of(listing)
    if listing is not None and guests > listing.max_guests:
        problems.append(
            StayProblem(
                "guests",
                "too_many_guests",
                _("This listing hosts at most %(count)d guests.") % {"count": listing.max_guests},
            )
        )
    if check_in < dates.today():
        problems.append(
            StayProblem("check_in", "check_in_past", _("The stay cannot start in the past."))
        )
    elif check_in < rules.earliest_check_in:
        problems.append(
            StayProblem(
                "check_in",
                "advance_notice",
                _("This host needs notice: the earliest check-in is %(date)s.")
                % {"date": rules.earliest_check_in.isoformat()},
            )
        )
    elif check_in > rules.latest_check_in:
        problems.append(
            StayProblem(
                "check_in",
                "check_in_too_far",
                _("This listing takes stays starting on %(date)s at the latest.")
                % {"date": rules.latest_check_in.isoformat()},
            )
        )
    nights = (check_out - check_in).days
    if nights < 1:
        problems.append(
            StayProblem("check_out", "stay_too_short", _("Check-out must be after check-in."))
        )
    elif nights < rules.min_nights:
        problems.append(
            StayProblem(
                "check_out",
                "min_nights",
                _("A stay at this listing lasts at least %(count)d nights.")
                % {"count": rules.min_nights},
            )
        )
    elif nights > rules.max_nights:
        problems.append(
            StayProblem(
                "check_out",
                "stay_too_long",
                _("A stay at this listing lasts at most %(count)d nights.")
                % {"count": rules.max_nights},
            )
        )
    return problems


def _dates_taken(listing: Listing, check_in: dt.date, check_out: dt.date) -> bool:
    # listing_unavailable_ranges (bookings' migrations) reveals dates, never whose: the caller
    # cannot see other guests' bookings nor the host's blocks.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM listing_unavailable_ranges(%s, %s, %s))",
            [listing.pk, check_in, check_out],
        )
        return cursor.fetchone()[0]


def listing_quote(
    *, listing: Listing, check_in: dt.date, check_out: dt.date, guests: int, actor
) -> dict:
    """What GET /listings/{id}/quote/ shows: the stay's price (stay_quote), and whether the
    actor could book it now — `bookable`, and `problems` saying why not: booking_create's own
    rules (stay_problems), a listing that is not open to booking or is the actor's, dates
    overlapping a pending or confirmed booking. Two queries."""
    quote = stay_quote(listing_id=listing.pk, check_in=check_in, check_out=check_out, guests=guests)
    if quote is None:  # the listing vanished from the caller's sight meanwhile
        raise NotFound()
    problems = stay_problems(listing=listing, check_in=check_in, check_out=check_out, guests=guests)
    if not (
        listing.status == ListingStatus.PUBLISHED
        and listing.is_active
        and listing.deleted_at is None
    ):
        problems.append(
            StayProblem(
                "listing", "listing_not_bookable", _("This listing is not open to booking.")
            )
        )
    elif actor is not None and actor.pk is not None and listing.owner_id == actor.pk:
        problems.append(
            StayProblem("listing", "own_listing", _("You cannot book your own listing."))
        )
    if _dates_taken(listing, check_in, check_out):
        problems.append(
            StayProblem(
                "check_in",
                "dates_unavailable",
                _(
                    "These dates are not available: they touch a booking, a night the host "
                    "blocked, or the preparation nights between stays."
                ),
            )
        )
    return {
        **quote,
        "bookable": not problems,
        "problems": [problem.as_dict() for problem in problems],
    }
