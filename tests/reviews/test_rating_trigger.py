"""listings.rating_avg and review_count follow the listing's visible reviews, kept by a
PostgreSQL trigger whatever writes the reviews (ORM, bulk update, raw SQL)."""

import threading
from decimal import Decimal

import pytest

from apps.bookings.models import BookingStatus
from apps.core.context import DbContext, db_context
from apps.listings.models import Listing
from apps.reviews.models import Review
from tests.db import app_session, as_table_owner, execute, wait_until_blocked
from tests.factories import BookingFactory, ListingFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def summary(listing) -> tuple[int, Decimal | None]:
    listing = Listing.all_objects.get(pk=listing.pk)
    return listing.review_count, listing.rating_avg


def review(listing, rating, **fields) -> Review:
    booking = BookingFactory(listing=listing, status=BookingStatus.COMPLETED)
    return ReviewFactory(booking=booking, rating=rating, **fields)


@pytest.fixture
def listing():
    return ListingFactory()


def test_a_listing_without_reviews_has_no_rating(listing):
    assert summary(listing) == (0, None)


def test_new_reviews_update_the_average_rounded_to_two_decimals(listing):
    review(listing, 5)
    assert summary(listing) == (1, Decimal("5.00"))

    review(listing, 4)
    review(listing, 4)
    assert summary(listing) == (3, Decimal("4.33"))


def test_hidden_reviews_do_not_count(listing):
    spam = review(listing, 1)
    review(listing, 5)
    review(listing, 4, is_hidden=True, hidden_reason="Written by the owner")
    assert summary(listing) == (2, Decimal("3.00"))

    Review.objects.filter(pk=spam.pk).update(is_hidden=True, hidden_reason="Spam")
    assert summary(listing) == (1, Decimal("5.00"))

    Review.objects.filter(pk=spam.pk).update(is_hidden=False, hidden_reason="")
    assert summary(listing) == (2, Decimal("3.00"))


def test_raw_sql_updates_and_deletes_are_followed(listing):
    first = review(listing, 5)
    review(listing, 3)

    execute("UPDATE reviews SET rating = 1 WHERE id = %s", [first.pk])
    assert summary(listing) == (2, Decimal("2.00"))

    execute(
        "UPDATE reviews SET is_hidden = true, hidden_reason = 'Off-topic' WHERE id = %s",
        [first.pk],
    )
    assert summary(listing) == (1, Decimal("3.00"))

    execute("DELETE FROM reviews WHERE listing_id = %s", [listing.pk])
    assert summary(listing) == (0, None)


def test_deleting_reviews_through_the_orm_is_followed(listing):
    kept = review(listing, 2)
    gone = review(listing, 5)

    gone.delete()
    assert summary(listing) == (1, Decimal("2.00"))

    Review.objects.filter(pk=kept.pk).delete()
    assert summary(listing) == (0, None)


def test_a_bulk_update_refreshes_every_listing_it_touches():
    listings = ListingFactory.create_batch(3)
    for each in listings:
        review(each, 5)

    Review.objects.filter(listing__in=listings).update(rating=2)

    assert [summary(each) for each in listings] == [(1, Decimal("2.00"))] * 3


def test_a_review_moved_to_another_listings_booking_moves_its_rating(listing):
    moved = review(listing, 5)
    review(listing, 3)
    other = ListingFactory()
    other_booking = BookingFactory(listing=other, status=BookingStatus.COMPLETED)

    Review.objects.filter(pk=moved.pk).update(booking=other_booking)

    assert summary(listing) == (1, Decimal("3.00"))
    assert summary(other) == (1, Decimal("5.00"))


def test_reviews_of_other_listings_do_not_count(listing):
    review(listing, 4)
    review(ListingFactory(), 1)

    assert summary(listing) == (1, Decimal("4.00"))


def test_a_tampered_summary_is_recomputed_at_the_next_review_change(listing):
    review(listing, 4)
    with as_table_owner():  # only a maintenance session could tamper with it (see below)
        Listing.all_objects.filter(pk=listing.pk).update(review_count=99, rating_avg=1)

    # Any change to the listing's reviews recomputes it from the reviews themselves.
    review(listing, 2)

    assert summary(listing) == (2, Decimal("3.00"))


def write_and_commit(session, statement, params) -> None:
    session.execute(statement, params)
    session.commit()


@pytest.mark.django_db(transaction=True)
def test_two_reviews_written_at_the_same_time_both_count():
    with db_context(DbContext.system("tests")):
        listing = ListingFactory()
        bookings = BookingFactory.create_batch(2, listing=listing, status=BookingStatus.COMPLETED)
    # Published as written (a system actor may): the rating counts published reviews only.
    insert = (
        "INSERT INTO reviews (booking_id, listing_id, tenant_id, rating, published_at)"
        " VALUES (%s, %s, %s, %s, now())"
    )

    with app_session() as first, app_session() as second:
        first.execute(insert, [bookings[0].pk, listing.pk, listing.tenant_id, 5])
        writer = threading.Thread(
            target=write_and_commit,
            args=[second, insert, [bookings[1].pk, listing.pk, listing.tenant_id, 3]],
            daemon=True,
        )
        writer.start()
        wait_until_blocked(second, first)  # on the listing row the first one's trigger updated
        first.commit()
        writer.join(timeout=15)

    with db_context(DbContext.system("tests")):
        assert Review.objects.filter(listing=listing).count() == 2
        assert summary(listing) == (2, Decimal("4.00"))
