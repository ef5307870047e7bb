"""The guest's rating (issue #17): hosts' reviews of a guest count once published, and the
host of a booking request sees it on the booking."""

import datetime as dt

import pytest

from apps.core import dates
from apps.reviews.models import GuestRating, Review
from tests.db import acting_as, execute, refused_by_policy
from tests.factories import BookingFactory, ListingFactory, StayedBookingFactory, UserFactory
from tests.helpers import client_for, query_count

pytestmark = pytest.mark.django_db
TODAY = dates.today()


def review(user, booking, rating):
    response = client_for(user).post(
        "/api/v1/reviews/", {"booking": booking.pk, "rating": rating}, format="json"
    )
    assert response.status_code == 201, response.json()


def test_the_host_sees_the_guests_rating_on_a_request_once_reviews_are_published():
    guest = UserFactory()
    first, second = StayedBookingFactory(guest=guest), StayedBookingFactory(guest=guest)
    request = BookingFactory(guest=guest, status="pending")
    host = request.listing.owner

    def shown():
        response = client_for(host).get(f"/api/v1/bookings/{request.pk}/")
        assert response.status_code == 200, response.json()
        return response.json()["guest_rating"]

    review(first.listing.owner, first, 5)
    assert shown() is None  # blind: the guest has not reviewed that stay yet
    review(guest, first, 4)
    assert shown() == {"average": "5.00", "count": 1}

    review(second.listing.owner, second, 2)
    Review.objects.filter(booking=second).update(window_closes_on=TODAY - dt.timedelta(days=1))
    from apps.reviews.services import reviews_publish_closed

    reviews_publish_closed()
    assert shown() == {"average": "3.50", "count": 2}
    # The guest's reviews of their stays are not theirs: a guest rating counts hosts' only.
    assert GuestRating.objects.get(user=guest).review_count == 2


def test_the_host_list_shows_guest_ratings_in_one_query():
    listing = ListingFactory()
    for _ in range(3):
        guest = UserFactory()
        past = StayedBookingFactory(guest=guest)
        review(past.listing.owner, past, 4)
        review(guest, past, 5)
        BookingFactory(listing=listing, guest=guest, status="pending")
    client = client_for(listing.owner)

    few = query_count(client, "/api/v1/bookings/?role=host")
    body = client.get("/api/v1/bookings/?role=host").json()["results"]

    assert [b["guest_rating"] for b in body] == [{"average": "4.00", "count": 1}] * 3
    BookingFactory(listing=listing, guest=UserFactory(), status="pending")
    assert query_count(client, "/api/v1/bookings/?role=host") == few


def test_nobody_writes_a_guest_rating_but_the_trigger():
    guest = UserFactory()

    with acting_as(guest), refused_by_policy("guest_ratings"):
        execute(
            "INSERT INTO guest_ratings (user_id, tenant_id, rating_avg, review_count)"
            " VALUES (%s, %s, 5, 99)",
            [guest.pk, guest.tenant_id],
        )
