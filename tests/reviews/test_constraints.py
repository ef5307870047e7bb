"""PostgreSQL itself refuses bad reviews, whatever writes them: the ORM without full_clean(), a
bulk update, or raw SQL."""

import pytest

from apps.reviews.models import Review
from tests.db import execute, refused
from tests.factories import BookingFactory, ListingFactory, ReviewFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_a_rating_outside_1_to_5_is_refused(rating):
    with refused("reviews_rating_1_to_5"):
        ReviewFactory(rating=rating)

    review = ReviewFactory()
    with refused("reviews_rating_1_to_5"):
        Review.objects.filter(pk=review.pk).update(rating=rating)
    with refused("reviews_rating_1_to_5"):
        execute("UPDATE reviews SET rating = %s WHERE id = %s", [rating, review.pk])


@pytest.mark.parametrize("rating", [1, 5])
def test_ratings_1_and_5_are_accepted(rating):
    review = ReviewFactory(rating=rating)

    assert Review.objects.get(pk=review.pk).rating == rating


def test_a_booking_gets_one_review_per_side_only():
    review = ReviewFactory()

    with refused("reviews_booking_role_key"):
        ReviewFactory(booking=review.booking)
    with refused("reviews_booking_role_key"):
        execute(
            "INSERT INTO reviews (booking_id, listing_id, tenant_id, rating)"
            " VALUES (%s, %s, %s, 4)",
            [review.booking_id, review.listing_id, review.tenant_id],
        )
    ReviewFactory(booking=review.booking, author_role="host")
    with refused("reviews_booking_role_key"):
        ReviewFactory(booking=review.booking, author_role="host")
    with refused("reviews_author_role_valid"):
        ReviewFactory(booking=review.booking, author_role="staff")
    assert Review.objects.filter(booking=review.booking).count() == 2


def test_moving_a_review_onto_an_already_reviewed_booking_is_refused():
    first, second = ReviewFactory(), ReviewFactory()

    with refused("reviews_booking_role_key"):
        Review.objects.filter(pk=second.pk).update(booking=first.booking)


def test_a_hidden_review_needs_a_reason():
    review = ReviewFactory()

    with refused("reviews_hidden_needs_reason"):
        ReviewFactory(is_hidden=True, hidden_reason="")
    with refused("reviews_hidden_needs_reason"):
        Review.objects.filter(pk=review.pk).update(is_hidden=True)
    with refused("reviews_hidden_needs_reason"):
        execute("UPDATE reviews SET is_hidden = true WHERE id = %s", [review.pk])

    Review.objects.filter(pk=review.pk).update(is_hidden=True, hidden_reason="Insults")
    assert Review.objects.get(pk=review.pk).is_hidden


def test_more_than_twenty_photos_are_refused():
    with refused("reviews_photos_max_20"):
        ReviewFactory(photos=[f"https://img.example.com/{i}.jpg" for i in range(21)])


def test_a_review_belongs_to_its_bookings_listing_whatever_the_writer_says():
    booking = BookingFactory(status="completed")
    elsewhere = ListingFactory()

    review = ReviewFactory(booking=booking, listing=elsewhere)
    execute("UPDATE reviews SET listing_id = %s WHERE id = %s", [elsewhere.pk, review.pk])

    assert Review.objects.get(pk=review.pk).listing_id == booking.listing_id
