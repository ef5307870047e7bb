"""No N+1: every list of the listings API runs the same queries for 1 row as for 100 (the
search's own variants are in test_api_listings.py)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.bookings.models import Booking, BookingStatus
from apps.listings.models import Listing, ListingAmenity, ListingTag
from apps.reviews.models import Review
from tests.factories import (
    AmenityFactory,
    BookingFactory,
    CategoryFactory,
    ListingFactory,
    TagFactory,
    UserFactory,
)
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/listings/"


def query_count(client, url, expected_results=None) -> int:
    client.get(url)  # the first request of a client looks the default tenant up once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    body = response.json()
    results = body["results"] if isinstance(body, dict) else body
    if expected_results is not None:
        assert len(results) == expected_results
    return len(queries)


def many_listings(owner, n=100, **fields):
    """n listings with an amenity and a tag each, inserted in a few statements."""
    listings = Listing.objects.bulk_create(
        ListingFactory.build(owner=owner, tenant=owner.tenant, **fields) for _ in range(n)
    )
    amenity, tag = AmenityFactory(), TagFactory()
    ListingAmenity.objects.bulk_create(ListingAmenity(listing=x, amenity=amenity) for x in listings)
    ListingTag.objects.bulk_create(ListingTag(listing=x, tag=tag) for x in listings)
    return listings


def test_mine():
    owner = UserFactory(owner=True)
    many_listings(owner, draft=True)
    client = client_for(owner)

    one = query_count(client, f"{URL}mine/?page_size=1", 1)
    hundred = query_count(client, f"{URL}mine/?page_size=100", 100)
    numbered = query_count(client, f"{URL}mine/?page=1&page_size=100", 100)

    assert one == hundred
    assert numbered == hundred + 1  # the count


def test_versions():
    listing = ListingFactory()
    for price in range(10_000, 10_100):
        Listing.objects.filter(pk=listing.pk).update(price_cents=price)
    client = client_for(listing.owner)

    assert query_count(client, f"{URL}{listing.pk}/versions/?page_size=1", 1) == query_count(
        client, f"{URL}{listing.pk}/versions/?page_size=100", 100
    )


def test_reviews():
    listing = ListingFactory()
    guest = UserFactory()
    past = timezone.localdate() - dt.timedelta(days=1000)
    bookings = Booking.objects.bulk_create(
        BookingFactory.build(
            listing=listing,
            guest=guest,
            check_in=past + dt.timedelta(days=3 * i),
            check_out=past + dt.timedelta(days=3 * i + 2),
            status=BookingStatus.COMPLETED,
        )
        for i in range(100)
    )
    Review.objects.bulk_create(
        Review(booking=b, listing=listing, tenant=listing.tenant, rating=4) for b in bookings
    )
    client = client_for()

    assert query_count(client, f"{URL}{listing.pk}/reviews/?page_size=1", 1) == query_count(
        client, f"{URL}{listing.pk}/reviews/?page_size=100", 100
    )


def test_the_detail_of_a_richly_linked_listing():
    owner = UserFactory(owner=True)
    [sparse] = many_listings(owner, n=1)
    rich = ListingFactory(owner=owner, category=CategoryFactory())
    ListingAmenity.objects.bulk_create(
        ListingAmenity(listing=rich, amenity=AmenityFactory()) for _ in range(30)
    )
    ListingTag.objects.bulk_create(ListingTag(listing=rich, tag=TagFactory()) for _ in range(30))
    client = client_for(owner)
    client.get(f"{URL}{sparse.pk}/")

    with CaptureQueriesContext(connection) as sparse_queries:
        client.get(f"{URL}{sparse.pk}/")
    with CaptureQueriesContext(connection) as rich_queries:
        body = client.get(f"{URL}{rich.pk}/").json()

    assert len(body["amenities"]) == 30 and len(body["tags"]) == 30
    assert len(sparse_queries) == len(rich_queries)


@pytest.mark.parametrize("path", ["categories", "amenities", "tags"])
def test_reference_data_costs_one_query_whatever_its_size(path):
    client = client_for()
    root = CategoryFactory()
    CategoryFactory(parent=root)
    AmenityFactory()
    TagFactory()
    few = query_count(client, f"/api/v1/{path}/")

    parents = CategoryFactory.create_batch(10, parent=root)
    for parent in parents:
        CategoryFactory.create_batch(5, parent=parent)
    AmenityFactory.create_batch(50)
    TagFactory.create_batch(50)

    assert query_count(client, f"/api/v1/{path}/") == few
