"""PostgreSQL keeps moderation to moderators (reviews.0007): an author cannot un-hide, hide or
pre-moderate their review; moderators and system actors can."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from apps.accounts.groups import MODERATORS, SUPPORT
from apps.core import dates
from apps.core.errors import PermissionDenied
from apps.reviews import services
from apps.reviews.models import Review
from tests.db import acting_as, execute, refused_column
from tests.factories import BookingFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db


def staff_in(group):
    user = UserFactory(staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def hidden(review) -> bool:
    return Review.objects.values_list("is_hidden", flat=True).get(pk=review.pk)


def test_an_author_cannot_unhide_their_moderated_review():
    review = ReviewFactory(is_hidden=True, hidden_reason="Insults")

    with acting_as(review.booking.guest), refused_column("is_hidden"):
        execute(
            "UPDATE reviews SET is_hidden = false, hidden_reason = '' WHERE id = %s", [review.pk]
        )

    assert hidden(review)


@pytest.mark.parametrize(
    ("column", "value"),
    [("hidden_reason", "'Fine by me'"), ("hidden_at", "now()"), ("hidden_by_id", "NULL")],
)
def test_an_author_cannot_touch_any_moderation_column(column, value):
    moderator = staff_in(MODERATORS)
    review = ReviewFactory(is_hidden=True, hidden_reason="Spam", hidden_by=moderator)

    with acting_as(review.booking.guest), refused_column(column):
        execute(f"UPDATE reviews SET {column} = {value} WHERE id = %s", [review.pk])  # noqa: S608


def test_an_author_cannot_write_a_review_already_moderated():
    check_out = dates.today() - dt.timedelta(days=1)  # reviewable: within the window
    booking = BookingFactory(
        status="completed", check_in=check_out - dt.timedelta(days=2), check_out=check_out
    )

    with acting_as(booking.guest), refused_column("hidden_reason"):
        execute(
            "INSERT INTO reviews (booking_id, listing_id, tenant_id, rating, photos, is_hidden,"
            " hidden_reason) VALUES (%s, %s, %s, 5, '{}', false, 'pre-moderated')",
            [booking.pk, booking.listing_id, booking.tenant_id],
        )


def test_the_author_still_edits_their_words():
    review = ReviewFactory(published_at=None)  # until published (tests/reviews/test_double_blind)

    with acting_as(review.booking.guest):
        execute("UPDATE reviews SET rating = 2, comment = 'Meh' WHERE id = %s", [review.pk])

    assert Review.objects.values_list("rating", flat=True).get(pk=review.pk) == 2


def test_a_moderator_hides_and_unhides_through_the_services():
    review = ReviewFactory()
    moderator = staff_in(MODERATORS)

    with acting_as(moderator):
        services.review_hide(review=review, reason="Off-topic", actor=moderator)
        assert hidden(review)
        services.review_unhide(review=review, actor=moderator)

    assert not hidden(review)


def test_staff_without_the_moderation_permission_are_refused():
    """The service refuses them first; PostgreSQL refuses the same write made around it."""
    review = ReviewFactory()
    support = staff_in(SUPPORT)

    with acting_as(support), pytest.raises(PermissionDenied):
        services.review_hide(review=review, reason="Not mine to judge", actor=support)
    with acting_as(support), refused_column("is_hidden"):
        execute(
            "UPDATE reviews SET is_hidden = true, hidden_reason = 'Not mine to judge',"
            " hidden_at = now(), hidden_by_id = %s WHERE id = %s",
            [support.pk, review.pk],
        )

    assert not hidden(review)
