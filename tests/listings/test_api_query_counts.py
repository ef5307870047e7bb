"""No N+1 beyond the lists (tests/core/test_list_query_counts.py checks every list endpoint):
a numbered page adds only its count, a richly linked listing costs what a bare one does."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.listings.models import ListingAmenity, ListingTag
from tests.factories import AmenityFactory, CategoryFactory, ListingFactory, TagFactory, UserFactory
from tests.factories.listings import many_listings
from tests.helpers import client_for, query_count

pytestmark = pytest.mark.django_db
URL = "/api/v1/listings/"


def test_mine():
    owner = UserFactory(owner=True)
    many_listings(owner, draft=True)
    client = client_for(owner)

    one = query_count(client, f"{URL}mine/?page_size=1", 1)
    hundred = query_count(client, f"{URL}mine/?page_size=100", 100)
    numbered = query_count(client, f"{URL}mine/?page=1&page_size=100", 100)

    assert one == hundred
    assert numbered == hundred + 1  # the count


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
