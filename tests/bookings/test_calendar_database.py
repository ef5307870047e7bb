"""The calendar's rules held by PostgreSQL itself: raw SQL as the runtime role, in a user's
request context, as any bug or injected statement of the application would run."""

import datetime as dt

import pytest

from apps.core import dates
from apps.core.context import DbContext, db_context
from tests.db import acting_as, execute, refused, refused_by_policy, refused_column
from tests.factories import BookingFactory, ListingFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = dates.today()

INSERT_BLOCK = (
    "INSERT INTO calendar_entries (listing_id, tenant_id, kind, booking_id, start_date,"
    " end_date, turnover_end, created_by_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
)
# What a guest's request writes (booking_create), priced by PostgreSQL's own quote.
INSERT_BOOKING = (
    "INSERT INTO bookings (listing_id, guest_id, tenant_id, check_in, check_out, guests,"
    " status, total_cents, currency, quote, cancellation_policy)"
    " SELECT %(listing)s, %(guest)s, %(tenant)s, %(check_in)s, %(check_out)s, 1, 'pending',"
    " (q ->> 'total_cents')::bigint, q ->> 'currency', q, q ->> 'cancellation_policy'"
    " FROM listing_quote(%(listing)s, %(check_in)s, %(check_out)s, 1) AS q"
)


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def block_row(listing, user, start=10, end=12, kind="block", booking_id=None, turnover=None):
    end_date = day(end)
    return [
        listing.pk,
        listing.tenant_id,
        kind,
        booking_id,
        day(start),
        end_date,
        turnover or end_date,
        user.pk,
    ]


def guest_books(guest, listing, start, nights):
    execute(
        INSERT_BOOKING,
        {
            "listing": listing.pk,
            "guest": guest.pk,
            "tenant": listing.tenant_id,
            "check_in": day(start),
            "check_out": day(start + nights),
        },
    )


def test_a_host_lays_a_block_in_raw_sql_and_no_one_else_can():
    listing = ListingFactory()
    stranger = UserFactory()

    with acting_as(listing.owner):
        execute(INSERT_BLOCK, block_row(listing, listing.owner))
        assert execute("SELECT count(*) FROM calendar_entries") == [(1,)]
    with acting_as(stranger), refused_by_policy("calendar_entries"):
        execute(INSERT_BLOCK, block_row(listing, stranger, 20, 22))
    with acting_as(stranger):
        # Neither the block nor its note: guests read nights through
        # listing_unavailable_ranges() only.
        assert execute("SELECT count(*) FROM calendar_entries") == [(0,)]
        assert execute("DELETE FROM calendar_entries RETURNING id") == []
        assert execute(
            "SELECT * FROM listing_unavailable_ranges(%s, %s, %s)",
            [listing.pk, day(0), day(30)],
        ) == [(day(10), day(12))]


def test_a_block_over_a_booking_is_refused_by_the_calendars_constraint():
    listing = ListingFactory()
    BookingFactory(listing=listing, check_in=day(10), check_out=day(13))

    with acting_as(listing.owner), refused("calendar_entries_no_overlap"):
        execute(INSERT_BLOCK, block_row(listing, listing.owner, 12, 15))


def test_a_guests_booking_over_blocked_nights_is_refused_by_the_same_constraint():
    listing = ListingFactory()
    guest = UserFactory()
    with acting_as(listing.owner):
        execute(INSERT_BLOCK, block_row(listing, listing.owner, 10, 12))

    with acting_as(guest), refused("calendar_entries_no_overlap"):
        guest_books(guest, listing, 11, 3)
    with acting_as(guest):
        guest_books(guest, listing, 12, 3)  # from the block's end: free
        assert execute("SELECT count(*) FROM bookings") == [(1,)]


def test_preparation_nights_are_refused_by_postgresql_between_two_bookings():
    listing = ListingFactory(preparation_days=2)
    alice, bob = UserFactory(), UserFactory()
    with acting_as(alice):
        guest_books(alice, listing, 10, 3)

    with acting_as(bob), refused("calendar_entries_preparation"):
        guest_books(bob, listing, 14, 2)  # one night after alice leaves, two are kept
    with acting_as(bob), refused("calendar_entries_preparation"):
        guest_books(bob, listing, 6, 3)  # leaves on 9: one night before alice arrives


def test_no_one_but_postgresql_writes_a_bookings_nights():
    listing = ListingFactory()
    booking = BookingFactory(listing=listing, check_in=day(10), check_out=day(13))
    staff = UserFactory(staff=True)

    with acting_as(listing.owner), refused_column("kind"):
        # A booking entry of the host's own (the policy, behind the guard, lets hosts write
        # blocks only).
        execute(
            INSERT_BLOCK,
            block_row(listing, listing.owner, 20, 23, kind="booking", booking_id=booking.pk),
        )
    with acting_as(listing.owner):
        # The host sees the stay's entry and cannot lift it: it is the booking's.
        assert execute("SELECT kind FROM calendar_entries") == [("booking",)]
        assert execute("DELETE FROM calendar_entries RETURNING id") == []
    with acting_as(staff), refused_column("kind"):
        execute("DELETE FROM calendar_entries WHERE booking_id = %s", [booking.pk])
    with acting_as(staff), refused_column("kind"):
        execute("UPDATE calendar_entries SET end_date = start_date + 1")
    with db_context(DbContext.system("tests")), refused_column("kind"):
        execute(
            INSERT_BLOCK,
            block_row(listing, listing.owner, 20, 23, kind="booking", booking_id=booking.pk),
        )


def test_a_block_stays_in_its_listings_tenant_and_names_who_laid_it():
    listing, other_listing = ListingFactory(), ListingFactory()
    someone, staff = UserFactory(), UserFactory(staff=True)
    with db_context(DbContext.system("tests")):
        elsewhere = TenantFactory()

    with acting_as(listing.owner), refused_column("created_by_id"):
        execute(INSERT_BLOCK, [*block_row(listing, listing.owner)[:-1], someone.pk])
    with acting_as(staff), refused_column("tenant_id"):
        execute(INSERT_BLOCK, [listing.pk, elsewhere.pk, *block_row(listing, staff)[2:]])
    with acting_as(listing.owner):
        execute(INSERT_BLOCK, block_row(listing, listing.owner))
    with acting_as(staff), refused_column("listing_id"):
        execute(
            "UPDATE calendar_entries SET listing_id = %s WHERE listing_id = %s",
            [other_listing.pk, listing.pk],
        )


def test_a_guests_raw_booking_keeps_the_hosts_stay_rules():
    listing = ListingFactory(min_nights=3, advance_notice_days=2, booking_window_days=60)
    guest = UserFactory()

    for start, nights in ((10, 2), (1, 3), (61, 3)):
        with acting_as(guest), refused("bookings_stay_rules"):
            guest_books(guest, listing, start, nights)
    with acting_as(guest):
        guest_books(guest, listing, 10, 3)
        assert execute("SELECT count(*) FROM bookings") == [(1,)]
