"""listing_search, the public search projection, follows every change of listings in the same
transaction, whatever path writes it (ORM save, queryset.update, raw SQL, review triggers)."""

import pytest
from django.db import connection

from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from apps.listings.models import Listing, ListingSearch, ListingStatus
from tests.factories import BookingFactory, ListingFactory, ReviewFactory

pytestmark = pytest.mark.django_db(transaction=True)


def drift() -> int:
    """Rows that differ between the projection and what it should hold."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM ((TABLE listing_search EXCEPT TABLE listing_search_source)"
            " UNION ALL (TABLE listing_search_source EXCEPT TABLE listing_search)) AS d"
        )
        return cursor.fetchone()[0]


@pytest.fixture
def system():
    # The view listing_search_source is the owner's only: the test reads it as the owner.
    with as_owner(), db_context(DbContext.system("tests")):
        yield


def test_published_listings_enter_it_and_drafts_do_not(system):
    published = ListingFactory(city="Lyon", price_cents=12_000)
    draft = ListingFactory(draft=True)

    row = ListingSearch.objects.get(listing_id=published.pk)
    assert (row.city, row.price_cents, row.rating_sort) == ("Lyon", 12_000, 0)
    assert (row.min_nights, row.max_nights, row.advance_notice_days) == (1, 90, 0)
    assert not ListingSearch.objects.filter(listing_id=draft.pk).exists()
    assert drift() == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda listing: Listing.objects.filter(pk=listing.pk).update(price_cents=30_000),
        lambda listing: (setattr(listing, "city", "Nice"), listing.save()),
        lambda listing: connection.cursor().execute(
            "UPDATE listings SET latitude = 43.7, longitude = 7.26, beds = 4 WHERE id = %s",
            [listing.pk],
        ),
        lambda listing: connection.cursor().execute(
            "UPDATE listings SET description = 'Piscine chauffée' WHERE id = %s", [listing.pk]
        ),
        lambda listing: connection.cursor().execute(
            "UPDATE listings SET currency = 'CHF' WHERE id = %s", [listing.pk]
        ),
        lambda listing: connection.cursor().execute(
            "UPDATE listings SET min_nights = 3, max_nights = 14, advance_notice_days = 2,"
            " booking_window_days = 120 WHERE id = %s",
            [listing.pk],
        ),
    ],
    ids=["queryset-update", "orm-save", "raw-sql", "text", "currency", "stay-rules"],
)
def test_changes_of_public_columns_are_projected(system, change):
    listing = ListingFactory()

    change(listing)

    assert drift() == 0


def test_listings_leave_it_when_archived_deactivated_or_deleted_and_come_back(system):
    listings = ListingFactory.create_batch(3)
    Listing.objects.filter(pk=listings[0].pk).update(status=ListingStatus.ARCHIVED)
    Listing.objects.filter(pk=listings[1].pk).update(is_active=False)
    connection.cursor().execute(
        "UPDATE listings SET deleted_at = clock_timestamp() WHERE id = %s", [listings[2].pk]
    )
    assert not ListingSearch.objects.filter(listing_id__in=[x.pk for x in listings]).exists()

    Listing.all_objects.filter(pk__in=[x.pk for x in listings]).update(
        status=ListingStatus.PUBLISHED, is_active=True, deleted_at=None
    )
    assert ListingSearch.objects.filter(listing_id__in=[x.pk for x in listings]).count() == 3
    assert drift() == 0


def test_a_review_moves_the_listing_in_the_rating_order(system):
    booking = BookingFactory(status="completed")
    ReviewFactory(booking=booking, rating=4)

    assert ListingSearch.objects.get(listing_id=booking.listing_id).rating_sort == 4
    assert drift() == 0


def test_a_bulk_update_of_many_listings_keeps_it_exact(system):
    ListingFactory.create_batch(30)

    Listing.objects.filter(price_cents__gt=0).update(price_cents=99_00, max_guests=5)

    assert drift() == 0
