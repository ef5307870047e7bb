"""Only the rating trigger writes a listing's rating summary (listings.0011): the owner, staff
and system actors are refused; reviews still move it."""

from decimal import Decimal

import pytest

from apps.core.context import db_context
from apps.listings.models import Listing
from tests.db import acting_as, execute, privileged_contexts, refused_column
from tests.factories import BookingFactory, ListingFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db


def summary(listing):
    return Listing.all_objects.values_list("review_count", "rating_avg").get(pk=listing.pk)


def test_an_owner_cannot_award_their_listing_a_rating():
    listing = ListingFactory()

    with acting_as(listing.owner), refused_column("rating_avg"):
        execute(
            "UPDATE listings SET rating_avg = 5, review_count = 999 WHERE id = %s", [listing.pk]
        )
    with acting_as(listing.owner), refused_column("review_count"):
        execute("UPDATE listings SET review_count = 999 WHERE id = %s", [listing.pk])

    assert summary(listing) == (0, None)


@privileged_contexts()
def test_nobody_but_the_rating_trigger_writes_it(context):
    listing = ListingFactory()

    with db_context(context()), refused_column("rating_avg"):
        execute("UPDATE listings SET rating_avg = 1 WHERE id = %s", [listing.pk])


def test_a_new_listing_arrives_without_a_rating_of_its_own_making():
    owner = UserFactory(owner=True)

    with acting_as(owner), refused_column("review_count"):
        ListingFactory(owner=owner, review_count=12)


def test_a_guests_review_moves_the_summary_through_the_trigger():
    listing = ListingFactory()
    booking = BookingFactory(listing=listing, status="completed")

    with acting_as(booking.guest):
        execute(
            "INSERT INTO reviews (booking_id, listing_id, tenant_id, rating, photos, is_hidden,"
            " hidden_reason) VALUES (%s, %s, %s, 4, '{}', false, '')",
            [booking.pk, listing.pk, listing.tenant_id],
        )
    ReviewFactory(booking=BookingFactory(listing=listing, status="completed"), rating=2)

    assert summary(listing) == (2, Decimal("3.00"))
