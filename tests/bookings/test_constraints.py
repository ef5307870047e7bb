"""PostgreSQL itself refuses bad bookings, overlapping stays included, whatever writes them: the
ORM without full_clean(), a bulk update, or raw SQL."""

import datetime as dt

import pytest

from apps.bookings.models import Booking, BookingStatus
from tests.db import execute, refused
from tests.factories import BookingFactory, UserFactory

pytestmark = pytest.mark.django_db

JULY_1, JULY_8 = dt.date(2031, 7, 1), dt.date(2031, 7, 8)


def july(day: int) -> dt.date:
    return dt.date(2031, 7, day)


@pytest.fixture
def stay():
    """A confirmed stay from 1 to 8 July (check-out day excluded)."""
    return BookingFactory(check_in=JULY_1, check_out=JULY_8, status=BookingStatus.CONFIRMED)


# --- columns -------------------------------------------------------------------------------


@pytest.mark.parametrize("nights", [0, -1, -5], ids=["same day", "one day before", "days before"])
def test_check_out_must_come_after_check_in(nights):
    with refused("bookings_check_out_after_check_in"):
        BookingFactory(check_in=JULY_8, check_out=JULY_8 + dt.timedelta(days=nights))


def test_raw_sql_cannot_move_check_out_before_check_in(stay):
    with refused("bookings_check_out_after_check_in"):
        execute("UPDATE bookings SET check_out = check_in WHERE id = %s", [stay.pk])


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("guests", 0, "bookings_guests_min_1"),
        ("guests", -2, "bookings_guests_min_1"),
        ("status", "lost", "bookings_status_valid"),
        ("status", "CONFIRMED", "bookings_status_valid"),
        ("total_cents", -1, "bookings_total_non_negative"),
        ("currency", "eur", "bookings_currency_iso_4217"),
    ],
)
def test_a_booking_with_a_bad_value_is_refused(field, value, constraint):
    with refused(constraint):
        BookingFactory(**{field: value})

    booking = BookingFactory()
    with refused(constraint):
        Booking.objects.filter(pk=booking.pk).update(**{field: value})


def test_raw_sql_cannot_set_an_unknown_status(stay):
    with refused("bookings_status_valid"):
        execute("UPDATE bookings SET status = 'lost' WHERE id = %s", [stay.pk])


# --- no overlapping stays ------------------------------------------------------------------


@pytest.mark.parametrize("held_by", [BookingStatus.CONFIRMED, BookingStatus.PENDING])
@pytest.mark.parametrize("status", [BookingStatus.CONFIRMED, BookingStatus.PENDING])
@pytest.mark.parametrize(
    ("check_in", "check_out"),
    [
        (july(1), july(8)),  # the same nights
        (july(5), july(12)),  # arrives during the stay
        (dt.date(2031, 6, 28), july(2)),  # leaves during the stay
        (july(3), july(4)),  # inside it
        (dt.date(2031, 6, 20), july(20)),  # around it
    ],
    ids=["same", "arrives-during", "leaves-during", "inside", "around"],
)
def test_an_overlapping_stay_on_the_same_listing_is_refused(held_by, status, check_in, check_out):
    first = BookingFactory(check_in=JULY_1, check_out=JULY_8, status=held_by)

    with refused("calendar_entries_no_overlap"):
        BookingFactory(listing=first.listing, check_in=check_in, check_out=check_out, status=status)


def test_an_overlap_written_in_raw_sql_is_refused(stay):
    other_guest = UserFactory()

    with refused("calendar_entries_no_overlap"):
        execute(
            "INSERT INTO bookings (listing_id, guest_id, tenant_id, check_in, check_out,"
            " total_cents, currency, status, quote) VALUES (%s, %s, %s, %s, %s, 0, 'EUR',"
            ' \'pending\', \'{"total_cents": 0, "currency": "EUR"}\')',
            [stay.listing_id, other_guest.pk, stay.tenant_id, july(6), july(9)],
        )


def test_moving_a_stay_onto_booked_nights_is_refused(stay):
    later = BookingFactory(listing=stay.listing, check_in=july(10), check_out=july(12))

    with refused("calendar_entries_no_overlap"):
        Booking.objects.filter(pk=later.pk).update(check_in=july(7))


def test_reviving_a_cancelled_booking_onto_booked_nights_is_refused(stay):
    cancelled = BookingFactory(
        listing=stay.listing,
        check_in=july(3),
        check_out=july(6),
        status=BookingStatus.CANCELLED,
    )

    with refused("calendar_entries_no_overlap"):
        Booking.objects.filter(pk=cancelled.pk).update(status=BookingStatus.PENDING)


@pytest.mark.parametrize("status", [BookingStatus.DECLINED, BookingStatus.CANCELLED])
def test_declined_and_cancelled_bookings_hold_no_nights(stay, status):
    BookingFactory(listing=stay.listing, check_in=july(2), check_out=july(6), status=status)
    BookingFactory(listing=stay.listing, check_in=july(2), check_out=july(6), status=status)

    assert Booking.objects.filter(listing=stay.listing, status=status).count() == 2


def test_another_listing_can_be_booked_for_the_same_nights(stay):
    BookingFactory(check_in=stay.check_in, check_out=stay.check_out)

    assert Booking.objects.filter(check_in=JULY_1, check_out=JULY_8).count() == 2


def test_back_to_back_stays_are_allowed(stay):
    # The next guest arrives the day the first one leaves; the previous one left the day the
    # first one arrived.
    BookingFactory(listing=stay.listing, check_in=JULY_8, check_out=july(10))
    BookingFactory(
        listing=stay.listing,
        check_in=dt.date(2031, 6, 28),
        check_out=JULY_1,
        status=BookingStatus.PENDING,
    )

    assert Booking.objects.filter(listing=stay.listing).count() == 3


def test_freed_nights_can_be_booked_again(stay):
    Booking.objects.filter(pk=stay.pk).update(status=BookingStatus.CANCELLED)

    BookingFactory(listing=stay.listing, check_in=JULY_1, check_out=JULY_8)

    assert Booking.objects.filter(listing=stay.listing).count() == 2


def test_nothing_but_the_refused_booking_is_lost(stay):
    # The refusal happens inside a savepoint: the surrounding transaction goes on.
    with refused("calendar_entries_no_overlap"):
        BookingFactory(listing=stay.listing, check_in=july(2), check_out=july(3))
    later = BookingFactory(listing=stay.listing, check_in=july(8), check_out=july(9))

    assert set(Booking.objects.filter(listing=stay.listing)) == {stay, later}
