"""Only the rating trigger writes a listing's rating summary (listings.0011): the owner, staff
and system actors are refused; reviews still move it. Staff change another owner's listing only
with a listing permission (listings.0013)."""

from decimal import Decimal

import pytest
from django.db import ProgrammingError, transaction

from apps.core.context import db_context
from apps.listings.models import Listing
from apps.reviews.services import review_hide
from tests.db import acting_as, execute, privileged_contexts, refused_column
from tests.factories import (
    BookingFactory,
    ListingFactory,
    ReviewFactory,
    StayedBookingFactory,
    UserFactory,
)

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


def test_a_guests_review_moves_the_summary_through_the_trigger_once_published():
    listing = ListingFactory()
    booking = StayedBookingFactory(listing=listing)
    insert = (
        "INSERT INTO reviews (booking_id, listing_id, tenant_id, author_role, rating, photos,"
        " is_hidden, hidden_reason) VALUES (%s, %s, %s, %s, %s, '{}', false, '')"
    )

    with acting_as(booking.guest):
        execute(insert, [booking.pk, listing.pk, listing.tenant_id, "guest", 4])
    assert summary(listing) == (0, None)  # blind: the host has not written yet
    with acting_as(listing.owner):
        execute(insert, [booking.pk, listing.pk, listing.tenant_id, "host", 5])
    assert summary(listing) == (1, Decimal("4.00"))  # both wrote: published, the guest's counts
    ReviewFactory(booking=BookingFactory(listing=listing, status="completed"), rating=2)

    assert summary(listing) == (2, Decimal("3.00"))


# --- Staff change another owner's listing only with a listing permission (listings.0013) ----


def refused_to_staff():
    """PostgreSQL refuses the write: 42501 from listings_guard_staff_writes."""
    return pytest.raises(ProgrammingError, match="staff need listings.change_listing")


def test_staff_without_a_listing_permission_cannot_rewrite_or_delete_anothers_listing():
    listing = ListingFactory(title="The owner's words")
    support = UserFactory(staff=True)  # is_staff, no listing permission

    with acting_as(support):
        with refused_to_staff(), transaction.atomic():
            execute("UPDATE listings SET title = 'Defaced' WHERE id = %s", [listing.pk])
        with refused_to_staff(), transaction.atomic():
            execute("UPDATE listings SET status = 'published' WHERE id = %s", [listing.pk])
        with refused_to_staff(), transaction.atomic():
            execute("DELETE FROM listings WHERE id = %s", [listing.pk])

    assert Listing.all_objects.values_list("title", flat=True).get(pk=listing.pk) == (
        "The owner's words"
    )


@pytest.mark.parametrize("permission", ["listings.change_listing", "listings.moderate_listing"])
def test_staff_holding_a_listing_permission_change_anothers_listing(permission):
    listing = ListingFactory()
    moderator = UserFactory(staff=True, permissions=[permission])

    with acting_as(moderator):
        assert execute(
            "UPDATE listings SET title = 'Edited by staff' WHERE id = %s RETURNING id",
            [listing.pk],
        ) == [(listing.pk,)]


def test_a_review_moderator_without_listing_permissions_still_moves_the_rating():
    """Hiding a review refreshes the listing's summary in listings_refresh_rating (SECURITY
    DEFINER, the owner role): the staff guard lets the rating function through."""
    listing = ListingFactory()
    ReviewFactory(booking=BookingFactory(listing=listing, status="completed"), rating=5)
    review = ReviewFactory(booking=BookingFactory(listing=listing, status="completed"), rating=1)
    moderator = UserFactory(staff=True, permissions=["reviews.moderate_review"])

    with acting_as(moderator):
        review_hide(review=review, reason="Abusive", actor=moderator)

    assert summary(listing) == (1, Decimal("5.00"))
