"""The reviews services' actor checks, asked of the services directly: hiding and unhiding
a review is for staff holding reviews.moderate_review; its author edits it. PostgreSQL refuses
the same writes made around the services (tests/reviews/test_privileged_columns.py)."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from apps.reviews import services
from apps.reviews.models import Review
from tests.actors import attempt, callers, staff_holding
from tests.factories import BookingFactory, ReviewFactory

pytestmark = pytest.mark.django_db

ACTORS = {
    "author": lambda review: review.booking.guest,
    "host": lambda review: review.listing.owner,
    "moderator": staff_holding("reviews.moderate_review"),
    "bare staff": staff_holding(),
}
MODERATOR_ONLY = callers(ACTORS, "moderator")


def _hidden(review):
    return Review.objects.values_list("is_hidden", flat=True).get(pk=review.pk)


@pytest.mark.parametrize(("caller", "allowed"), MODERATOR_ONLY)
def test_only_moderators_hide_a_review(caller, allowed):
    review = ReviewFactory()
    actor = ACTORS[caller](review)

    attempt(allowed, lambda: services.review_hide(review=review, reason="Insults", actor=actor))

    assert _hidden(review) is allowed


@pytest.mark.parametrize(("caller", "allowed"), MODERATOR_ONLY)
def test_only_moderators_unhide_a_review(caller, allowed):
    review = ReviewFactory(is_hidden=True, hidden_reason="Spam")
    actor = ACTORS[caller](review)

    attempt(allowed, lambda: services.review_unhide(review=review, actor=actor))

    assert _hidden(review) is not allowed


@pytest.mark.parametrize(("caller", "allowed"), callers(ACTORS, "author"))
def test_only_its_author_edits_a_review(caller, allowed):
    review = ReviewFactory(rating=5, published_at=None)  # a published review is final
    actor = ACTORS[caller](review)

    attempt(
        allowed, lambda: services.review_update(review=review, changes={"rating": 1}, actor=actor)
    )

    assert Review.objects.values_list("rating", flat=True).get(pk=review.pk) == (
        1 if allowed else 5
    )


def test_an_anonymous_caller_reviews_nothing():
    today = timezone.localdate()
    booking = BookingFactory(
        status="completed", check_in=today - dt.timedelta(days=10), check_out=today
    )

    attempt(
        False,
        lambda: services.review_create(booking_id=booking.pk, rating=5, actor=AnonymousUser()),
    )

    assert not Review.objects.filter(booking=booking).exists()
