"""A search with dates returns only the listings whose host's rules take that stay — the rules
PostgreSQL's bookings guard holds a booking to: nights within min_nights and max_nights,
check-in at least advance_notice_days and at most booking_window_days after today. A listing
the search shows for given dates is one the guest can book for them (calendar permitting)."""

import datetime as dt

import pytest

from apps.core import dates
from apps.listings import services
from tests.db import acting_as
from tests.factories import ListingFactory, UserFactory
from tests.helpers import client_for, ids

pytestmark = pytest.mark.django_db
URL = "/api/v1/listings/"


def found(check_in: dt.date, nights: int, user=None) -> list[int]:
    """The ids a search for the stay returns, oldest listing first."""
    check_out = check_in + dt.timedelta(days=nights)
    response = client_for(user).get(
        URL, {"available_from": check_in, "available_to": check_out, "ordering": "created_at"}
    )
    return ids(response)


def in_days(days: int) -> dt.date:
    return dates.today() + dt.timedelta(days=days)


def test_stays_shorter_than_the_minimum_or_longer_than_the_maximum_are_left_out():
    plain = ListingFactory()
    week_to_fortnight = ListingFactory(min_nights=7, max_nights=14)
    check_in = in_days(30)

    assert found(check_in, 2) == [plain.pk]
    assert found(check_in, 6) == [plain.pk]
    assert found(check_in, 7) == [plain.pk, week_to_fortnight.pk]
    assert found(check_in, 14) == [plain.pk, week_to_fortnight.pk]
    assert found(check_in, 15) == [plain.pk]


def test_a_check_in_within_the_hosts_notice_is_left_out():
    same_day = ListingFactory(advance_notice_days=0)
    three_days = ListingFactory(advance_notice_days=3)

    assert found(in_days(0), 2) == [same_day.pk]
    assert found(in_days(2), 2) == [same_day.pk]
    assert found(in_days(3), 2) == [same_day.pk, three_days.pk]


def test_a_check_in_beyond_the_booking_window_is_left_out():
    quarter = ListingFactory(booking_window_days=90)
    year = ListingFactory(booking_window_days=365)

    assert found(in_days(90), 3) == [quarter.pk, year.pk]
    assert found(in_days(91), 3) == [year.pk]
    assert found(in_days(365), 3) == [year.pk]
    assert found(in_days(366), 3) == []


def test_a_stay_fitting_every_rule_is_found_and_one_rule_refusing_it_is_enough():
    listing = ListingFactory(
        min_nights=3, max_nights=10, advance_notice_days=2, booking_window_days=60
    )

    assert found(in_days(2), 3) == [listing.pk]
    assert found(in_days(60), 10) == [listing.pk]
    assert found(in_days(1), 3) == []  # notice
    assert found(in_days(61), 3) == []  # window
    assert found(in_days(10), 2) == []  # minimum
    assert found(in_days(10), 11) == []  # maximum


def test_a_check_in_before_today_finds_nothing():
    ListingFactory()

    assert found(in_days(-1), 3) == []


def test_searches_without_dates_ignore_the_rules():
    listing = ListingFactory(min_nights=30, advance_notice_days=30, booking_window_days=31)

    assert ids(client_for().get(URL)) == [listing.pk]


def test_the_search_follows_the_host_changing_the_rules():
    """listing_search is kept by the trigger on listings: a rule changed by the host's update
    applies to the next search."""
    listing = ListingFactory()
    check_in = in_days(20)
    assert found(check_in, 2) == [listing.pk]

    with acting_as(listing.owner):
        services.listing_update(
            listing=listing, data={"min_nights": 3, "booking_window_days": 30}, actor=listing.owner
        )
    assert found(check_in, 2) == []
    assert found(check_in, 3) == [listing.pk]
    assert found(in_days(31), 3) == []

    with acting_as(listing.owner):
        services.listing_update(listing=listing, data={"min_nights": 1}, actor=listing.owner)
    assert found(check_in, 2, user=UserFactory()) == [listing.pk]
