import datetime as dt

import pytest
from django.utils import timezone

from apps.reviews.models import Review
from tests.factories import BookingFactory, ReviewFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/reviews/"


def past_stay(**kwargs):
    today = timezone.localdate()
    return BookingFactory(
        check_in=today - dt.timedelta(days=6), check_out=today - dt.timedelta(days=2), **kwargs
    )


def test_the_guest_reviews_a_finished_stay_once():
    booking = past_stay(status="completed")
    guest = client_for(booking.guest)

    created = guest.post(
        URL, {"booking": booking.pk, "rating": 4, "comment": "Lovely"}, format="json"
    )
    again = guest.post(URL, {"booking": booking.pk, "rating": 5}, format="json")

    assert created.status_code == 201 and created.json()["rating"] == 4
    assert again.status_code == 409 and again.json()["error"]["code"] == "review_exists"
    assert Review.objects.filter(booking=booking).count() == 1


def test_only_after_check_out_of_a_confirmed_or_completed_stay():
    future = BookingFactory(status="confirmed")
    cancelled = past_stay(status="cancelled")

    for booking in (future, cancelled):
        response = client_for(booking.guest).post(
            URL, {"booking": booking.pk, "rating": 5}, format="json"
        )
        assert response.status_code == 400 and "booking" in response.json()["error"]["fields"]


def test_only_the_bookings_guest_reviews_it():
    booking = past_stay(status="completed")

    assert (
        client_for(booking.listing.owner)
        .post(URL, {"booking": booking.pk, "rating": 1}, format="json")
        .status_code
        == 403
    )
    assert (
        client_for(UserFactory())
        .post(URL, {"booking": booking.pk, "rating": 1}, format="json")
        .status_code
        == 404
    )
    assert client_for().post(
        URL, {"booking": booking.pk, "rating": 1}, format="json"
    ).status_code in (401, 403)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rating", 0),
        ("rating", 6),
        ("comment", "x" * 2001),
        ("photos", ["javascript:alert(1)"]),
        ("listing", 3),
    ],
)
def test_review_validation(field, value):
    booking = past_stay(status="completed")

    response = client_for(booking.guest).post(
        URL, {"booking": booking.pk, "rating": 5, field: value}, format="json"
    )

    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_the_author_edits_their_review_and_nobody_else_can():
    review = ReviewFactory(rating=3)
    url = f"{URL}{review.pk}/"

    assert (
        client_for(review.booking.guest).patch(url, {"rating": 5}, format="json").json()["rating"]
        == 5
    )
    assert (
        client_for(review.listing.owner).patch(url, {"rating": 1}, format="json").status_code == 403
    )
    assert client_for(UserFactory()).patch(url, {"rating": 1}, format="json").status_code == 403


def test_hidden_reviews_are_not_served_to_the_public():
    shown = ReviewFactory()
    hidden = ReviewFactory(is_hidden=True, hidden_reason="Spam")

    listed = client_for().get(f"{URL}?listing={hidden.listing_id}").json()["results"]
    assert listed == []
    assert [
        r["id"] for r in client_for().get(f"{URL}?listing={shown.listing_id}").json()["results"]
    ] == [shown.pk]
    assert client_for().get(f"{URL}{hidden.pk}/").status_code == 404
    assert client_for().get(f"{URL}?listing=abc").status_code == 400
