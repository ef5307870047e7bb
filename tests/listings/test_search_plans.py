"""The public search is served by the indexes of its projection (listing_search), on a table
large enough for the planner to prefer them (plans are checked, not timed)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection

from apps.core import dates
from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from apps.listings.api.pagination import _after
from apps.listings.models import Listing
from apps.listings.selectors import CARD_FIELDS, listing_search, relations
from tests.db import assert_plans_use
from tests.factories import UserFactory
from tests.factories.listings import listings_of

CITIES = ["Paris", "Lyon", "Nice", "Lille", "Nantes", "Rennes", "Brest", "Dijon", "Metz", "Pau"]


@pytest.fixture
def many_listings():
    with db_context(DbContext.system("tests")):
        owner = UserFactory(owner=True)
        listings_of(
            owner,
            6000,
            lambda i: {
                "city": CITIES[i % len(CITIES)],
                "price_cents": 5_000 + (i * 37) % 50_000,
                "title": f"Maison {'piscine' if i % 700 == 0 else 'jardin'} numéro {i}",
                "latitude": f"{43 + (i % 500) / 100:.8f}",
                "longitude": f"{1 + (i % 700) / 100:.8f}",
                # The hosts' defaults, and one listing in a hundred open to longer stays
                # further ahead.
                "max_nights": 180 if i % 100 == 0 else 90,
                "booking_window_days": 730 if i % 100 == 0 else 365,
            },
        )
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE listings")
        cursor.execute("VACUUM ANALYZE listing_search")
    return owner


def plan(**search) -> str:
    """The plan of the first page (the API's LIMIT: page size + 1)."""
    return listing_search(**search)[:21].explain()


@pytest.mark.django_db(transaction=True)
def test_narrow_searches_use_the_projection_index_of_their_filter(many_listings):
    with db_context(DbContext(tenant_id=many_listings.tenant_id)):
        city_price = plan(city="Paris", min_price=8_000, max_price=9_000, guests=2)
        text = plan(q="piscine")
        box = plan(bbox=(1.0, 43.0, 1.05, 43.05))
    assert "listing_search_city_price_idx" in city_price, city_price
    # Nine matches: their ids come first (listing_search_matches, through the GIN index), then
    # those rows by primary key; the date index is not walked in hope of matches.
    assert "listing_search_pkey" in text and "listing_search_recent_idx" not in text, text
    assert "listing_search_coordinates_idx" in box, box


@pytest.mark.django_db(transaction=True)
def test_broad_searches_walk_the_index_of_their_order_without_sorting(many_listings):
    """A filter that most rows pass is cheapest checked while walking the order's index: the
    page is the first 21 rows that pass, whatever the table's size."""
    with db_context(DbContext(tenant_id=many_listings.tenant_id)):
        plans = {
            "newest": plan(),
            "city": plan(city="Paris"),
            "box": plan(bbox=(0.0, 40.0, 10.0, 50.0)),
            "price": plan(ordering="price_cents"),
            "price_desc": plan(ordering="-price_cents"),
            "rating": plan(ordering="-rating"),
        }
    assert_plans_use(
        plans,
        {
            "newest": "listing_search_recent_idx",
            "city": "listing_search_city_recent_idx",
            "box": "listing_search_recent_idx",
            "price": "listing_search_price_idx",
            "price_desc": "listing_search_price_idx",
            "rating": "listing_search_rating_idx",
        },
        unsorted=True,
    )


@pytest.mark.django_db(transaction=True)
def test_dated_searches_check_the_stay_rules_where_they_read(many_listings):
    """A stay most listings take is checked while walking the order's index (the calendar
    read only for the rows that pass the rules); one that few take — longer than the usual
    maximum, beyond the usual booking window — is found through the index of that rule, not
    by walking the whole tenant in hope of a match."""
    today = dates.today()

    def stay(ahead, nights, **search):
        check_in = today + dt.timedelta(days=ahead)
        return plan(
            available_from=check_in, available_to=check_in + dt.timedelta(days=nights), **search
        )

    with db_context(DbContext(tenant_id=many_listings.tenant_id)):
        plans = {
            "week": stay(30, 7),
            "week_by_price": stay(30, 7, ordering="price_cents"),
            "long": stay(30, 120),
            "far": stay(400, 7),
        }
    assert_plans_use(
        {key: plans[key] for key in ("week", "week_by_price")},
        {"week": "listing_search_recent_idx", "week_by_price": "listing_search_price_idx"},
        unsorted=True,
    )
    assert_plans_use(
        plans,
        {"long": "listing_search_max_nights_idx", "far": "listing_search_window_idx"},
    )


@pytest.mark.django_db(transaction=True)
def test_a_deep_cursor_page_starts_inside_the_index(many_listings):
    with db_context(DbContext(tenant_id=many_listings.tenant_id)):
        row = listing_search()[3000]
        deep = listing_search().filter(
            _after(("-created_at", "-listing_id"), [row["created_at"], row["listing_id"]])
        )
        text = deep[:21].explain()
    assert "listing_search_recent_idx" in text, text
    assert "Index Cond" in text and "created_at <=" in text, text
    assert "Sort" not in text, text


@pytest.mark.django_db(transaction=True)
def test_the_page_of_cards_is_read_by_primary_key(many_listings):
    with db_context(DbContext(tenant_id=many_listings.tenant_id)):
        ids = [row["listing_id"] for row in listing_search()[:20]]
        text = Listing.objects.filter(id__in=ids).values(*CARD_FIELDS, **relations()).explain()
    assert "listings_pkey" in text, text


@pytest.mark.django_db
def test_the_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
