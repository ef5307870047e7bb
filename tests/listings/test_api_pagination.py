"""Pages of the listings API: keyset cursors (no OFFSET at any depth, exact with ties, both
directions, in every ordering) and numbered pages on request."""

import base64
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.listings.models import Listing
from tests.db import as_table_owner
from tests.factories import BookingFactory, ListingFactory, ReviewFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/listings/"


def walk(client, url, direction="next"):
    """Follow `direction` links from `url`; return every page's ids and every SQL query."""
    pages, sql = [], []
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        pages.append([item.get("id", item.get("version")) for item in body["results"]])
        sql += [query["sql"] for query in queries]
        url = body[direction]
    return pages, sql


@pytest.fixture
def tied_listings():
    """Nine listings with ties in every ordering field: three prices, three creation times,
    two ratings and no rating at all."""
    listings = [
        ListingFactory(price_cents=price)
        for price in (5_000, 9_000, 5_000, 7_000, 5_000, 9_000, 7_000, 5_000, 7_000)
    ]
    start = timezone.now() - dt.timedelta(days=3)
    for i, listing in enumerate(listings):
        listing.created_at = start + dt.timedelta(hours=i % 3)
        listing.rating_avg = (None, Decimal("4.50"), Decimal("3.00"))[i % 3]
        with as_table_owner():  # the rating summary is the rating trigger's to write
            Listing.objects.filter(pk=listing.pk).update(
                created_at=listing.created_at, rating_avg=listing.rating_avg
            )
    return listings


ORDER_KEYS = {
    "price_cents": lambda x: (x.price_cents, x.pk),
    "-price_cents": lambda x: (-x.price_cents, -x.pk),
    "created_at": lambda x: (x.created_at, x.pk),
    "-created_at": lambda x: (-x.created_at.timestamp(), -x.pk),
    "-rating": lambda x: (-(x.rating_avg or 0), -x.pk),  # unrated last
}


@pytest.mark.parametrize("ordering", ORDER_KEYS)
def test_cursor_pages_follow_the_order_through_ties_without_offset(tied_listings, ordering):
    expected = [x.pk for x in sorted(tied_listings, key=ORDER_KEYS[ordering])]
    client = client_for()

    pages, sql = walk(client, f"{URL}?page_size=2&ordering={ordering}")

    assert [pk for page in pages for pk in page] == expected
    assert [len(page) for page in pages] == [2, 2, 2, 2, 1]
    listing_sql = [s for s in sql if 'FROM "listings"' in s]
    assert len(listing_sql) == 5 and not any("OFFSET" in s for s in listing_sql)


@pytest.mark.parametrize("ordering", ["price_cents", "-rating"])
def test_previous_links_walk_back_the_same_pages(tied_listings, ordering):
    client = client_for()
    forward, _ = walk(client, f"{URL}?page_size=2&ordering={ordering}")
    last_page = client.get(f"{URL}?page_size=2&ordering={ordering}")
    while last_page.json()["next"]:
        last_page = client.get(last_page.json()["next"])

    backward, sql = walk(client, last_page.json()["previous"], direction="previous")

    assert backward == list(reversed(forward[:-1]))
    assert not any("OFFSET" in s for s in sql)
    first = client.get(f"{URL}?page_size=2&ordering={ordering}").json()
    assert first["previous"] is None


def test_a_deep_cursor_page_costs_no_offset_and_keeps_its_filters():
    ListingFactory.create_batch(12, price_cents=5_000, city="Lyon")
    ListingFactory.create_batch(3, city="Paris")
    client = client_for()

    pages, sql = walk(client, f"{URL}?page_size=3&ordering=-price_cents&city=Lyon")

    assert len(pages) == 4 and len({pk for page in pages for pk in page}) == 12
    assert all("OFFSET" not in s for s in sql)


def test_relevance_is_the_default_order_with_q_and_pages_by_rank():
    description = {"description": ""}
    best = ListingFactory.create_batch(2, title="Piscine piscine piscine chauffée", **description)
    good = ListingFactory.create_batch(3, title="Piscine piscine couverte", **description)
    fair = ListingFactory.create_batch(2, title="Maison avec piscine", **description)
    ListingFactory(title="Maison avec jardin", **description)
    expected = [x.pk for group in (best, good, fair) for x in sorted(group, key=lambda x: -x.pk)]

    pages, sql = walk(client_for(), f"{URL}?page_size=2&q=piscine")

    assert [pk for page in pages for pk in page] == expected
    assert not any("OFFSET" in s for s in sql)
    by_price = client_for().get(f"{URL}?q=piscine&ordering=price_cents").json()["results"]
    assert [item["id"] for item in by_price] == sorted(expected)  # same price: id order


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(json.dumps({"r": 0, "p": ["x", 1]}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps({"r": 0, "p": [1]}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps({"r": 2, "p": [1, 1]}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps({"r": 0, "p": [[1], 1]}).encode()).decode(),
        "A" * 1_001,
    ],
)
def test_a_tampered_cursor_is_a_400_in_the_error_shape(cursor):
    ListingFactory()

    response = client_for().get(f"{URL}?ordering=price_cents&cursor={cursor}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"
    assert "cursor" in response.json()["error"]["fields"]


def test_numbered_pages_keep_the_chosen_order(tied_listings):
    expected = [x.pk for x in sorted(tied_listings, key=ORDER_KEYS["-price_cents"])]
    client = client_for()

    first = client.get(f"{URL}?page=1&page_size=4&ordering=-price_cents").json()
    third = client.get(f"{URL}?page=3&page_size=4&ordering=-price_cents").json()

    assert first["count"] == 9 and [item["id"] for item in first["results"]] == expected[:4]
    assert [item["id"] for item in third["results"]] == expected[8:]
    assert third["next"] is None and "page=2" in third["previous"]
    beyond = client.get(f"{URL}?page=4&page_size=4")
    assert beyond.status_code == 404 and beyond.json()["error"]["code"] == "not_found"


def test_mine_versions_and_reviews_page_by_cursor_too():
    owner = UserFactory(owner=True)
    listing = ListingFactory(owner=owner)
    ListingFactory.create_batch(4, owner=owner, draft=True)
    for price in range(13_000, 13_005):
        Listing.objects.filter(pk=listing.pk).update(price_cents=price)
    for _ in range(5):
        ReviewFactory(booking=BookingFactory(listing=listing, status="completed"))
    client = client_for(owner)

    mine, mine_sql = walk(client, f"{URL}mine/?page_size=2")
    versions, versions_sql = walk(client, f"{URL}{listing.pk}/versions/?page_size=2")
    reviews, reviews_sql = walk(client, f"{URL}{listing.pk}/reviews/?page_size=2")

    assert [len(p) for p in mine] == [2, 2, 1] and len({pk for p in mine for pk in p}) == 5
    assert [len(p) for p in versions] == [2, 2, 2]  # the first version and five changes
    assert [len(p) for p in reviews] == [2, 2, 1]
    assert not any("OFFSET" in s for s in mine_sql + versions_sql + reviews_sql)


@pytest.fixture
def small_count_cap(monkeypatch):
    """Numbered pages count at most 5 rows here (10,000 in production): the same code path
    without 10,001 listings."""
    monkeypatch.setattr("apps.core.api.pagination.COUNT_CAP", 5)
    return 5


def test_numbered_pages_count_exactly_up_to_the_cap(small_count_cap):
    ListingFactory.create_batch(3, city="Lyon")
    ListingFactory.create_batch(2, city="Nice")

    page = client_for().get(f"{URL}?page=1&page_size=2&city=Lyon").json()
    everything = client_for().get(f"{URL}?page=1").json()

    assert page["count"] == 3 and page["next"] is not None
    assert everything["count"] == 5 and everything["next"] is None


def test_beyond_the_cap_count_is_a_lower_bound_and_every_page_is_served(small_count_cap):
    listings = ListingFactory.create_batch(9)
    newest_first = [x.pk for x in sorted(listings, key=lambda x: (x.created_at, x.pk))][::-1]
    client = client_for()

    with CaptureQueriesContext(connection) as queries:
        first = client.get(f"{URL}?page=1&page_size=2").json()
    counts = [q["sql"] for q in queries if "COUNT(*)" in q["sql"].upper()]
    last = client.get(f"{URL}?page=5&page_size=2").json()  # past the counted rows
    fourth = client.get(f"{URL}?page=4&page_size=2").json()

    assert first["count"] == small_count_cap + 1  # "more than 5"
    assert len(counts) == 1 and "LIMIT 6" in counts[0], counts  # never a count of every row
    assert [item["id"] for item in first["results"]] == newest_first[:2]
    assert fourth["count"] == 9 and fourth["next"] is not None  # the rows up to here, and one
    assert [item["id"] for item in last["results"]] == newest_first[8:]
    assert last["count"] == 9 and last["next"] is None and last["previous"] is not None
    assert client.get(f"{URL}?page=6&page_size=2").status_code == 404
    assert client.get(f"{URL}?page=0&page_size=2").status_code == 404
