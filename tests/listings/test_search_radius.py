"""The search around a point: `lat`, `lng`, `radius_km`, `ordering=distance` and the cards'
`distance_km` (apps/listings/selectors.py, Near), and the 400s of the search's parameters."""

import base64
import datetime as dt
import json
import math
from decimal import Decimal

import pytest
from django.db import connection, transaction

from apps.core import dates
from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from apps.listings.selectors import Near, bitmap_scans_off, listing_search, nearest_page
from tests.factories import ListingFactory, UserFactory
from tests.factories.listings import listings_of
from tests.helpers import client_for, ids, query_count

pytestmark = pytest.mark.django_db
URL = "/api/v1/listings/"
# Notre-Dame de Paris.
CENTRE = (48.8530, 2.3499)
AROUND = f"lat={CENTRE[0]}&lng={CENTRE[1]}"


def haversine_km(a, b) -> float:
    """The great-circle distance on the sphere of listing_search_point(), computed apart."""
    (lat1, lng1), (lat2, lng2) = ((math.radians(x), math.radians(y)) for x, y in (a, b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def at(lat: float, lng: float, **fields):
    return ListingFactory(latitude=Decimal(f"{lat:.8f}"), longitude=Decimal(f"{lng:.8f}"), **fields)


@pytest.fixture
def paris(db):
    """Listings 0.5, 1.2, 2.5, 4 and 8 km north of the centre, one in Lyon, one with no
    coordinates."""
    km = 1 / 111.195  # a kilometre of latitude, in degrees
    listings = {
        distance: at(CENTRE[0] + distance * km, CENTRE[1], title=f"À {distance} km")
        for distance in (0.5, 1.2, 2.5, 4, 8)
    }
    listings["lyon"] = at(45.7640, 4.8357)
    listings["nowhere"] = ListingFactory(latitude=None, longitude=None)
    return listings


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


def test_a_radius_finds_the_listings_within_it_nearest_first(paris):
    cards = results(client_for().get(f"{URL}?{AROUND}&radius_km=3"))

    assert [card["id"] for card in cards] == [paris[d].pk for d in (0.5, 1.2, 2.5)]
    for card, distance in zip(cards, (0.5, 1.2, 2.5), strict=True):
        expected = haversine_km(CENTRE, (card["latitude"], card["longitude"]))
        assert card["distance_km"] == pytest.approx(expected, abs=0.001)
        assert card["distance_km"] == pytest.approx(distance, abs=0.01)


def test_the_radius_is_inclusive_and_bounded_by_distance_not_by_a_box(paris):
    # 4 km north is inside a 4.01 km radius; a listing 3.5 km east and 3.5 km north (4.95 km
    # away) is inside the box around a 4.5 km radius but not inside the radius.
    km_lat, km_lng = 1 / 111.195, 1 / (111.195 * math.cos(math.radians(CENTRE[0])))
    corner = at(CENTRE[0] + 3.5 * km_lat, CENTRE[1] + 3.5 * km_lng)

    found = ids(client_for().get(f"{URL}?{AROUND}&radius_km=4.5&ordering=-created_at"))

    assert paris[4].pk in found and corner.pk not in found
    assert paris[8].pk not in found


def test_other_orders_keep_the_radius_and_show_the_distance(paris):
    by_date = results(client_for().get(f"{URL}?{AROUND}&radius_km=5&ordering=-created_at"))
    by_price = results(client_for().get(f"{URL}?{AROUND}&radius_km=5&ordering=price_cents"))

    inside = {paris[d].pk for d in (0.5, 1.2, 2.5, 4)}
    assert {card["id"] for card in by_date} == inside
    assert [card["id"] for card in by_date] == sorted(inside, reverse=True)
    prices = [card["price_cents"] for card in by_price]
    assert {card["id"] for card in by_price} == inside and prices == sorted(prices)
    assert all(card["distance_km"] < 5 for card in by_date + by_price)


def test_without_a_point_cards_carry_no_distance(paris):
    assert all("distance_km" not in card for card in results(client_for().get(URL)))


def test_a_radius_combines_with_the_other_filters(paris):
    near_and_big = at(CENTRE[0], CENTRE[1] + 0.01, max_guests=8, price_cents=30_000)
    at(CENTRE[0], CENTRE[1] + 0.02, max_guests=8, price_cents=90_000)  # too dear
    at(CENTRE[0] + 1, CENTRE[1], max_guests=8, price_cents=30_000)  # too far

    found = ids(
        client_for().get(f"{URL}?{AROUND}&radius_km=10&guests=6&min_price=20000&max_price=50000")
    )

    assert found == [near_and_big.pk]


def test_a_radius_combines_with_full_text_and_dates(paris):
    pool = at(CENTRE[0], CENTRE[1] + 0.005, title="Loft avec piscine")
    at(45.7640, 4.8357, title="Maison avec piscine")  # Lyon
    check_in = dates.today() + dt.timedelta(days=30)
    stay = f"available_from={check_in}&available_to={check_in + dt.timedelta(days=3)}"

    for extra in ("q=piscine", "q=piscine&ordering=relevance", f"q=piscine&{stay}"):
        cards = results(client_for().get(f"{URL}?{AROUND}&radius_km=20&{extra}"))
        assert [card["id"] for card in cards] == [pool.pk], extra
        assert cards[0]["distance_km"] == pytest.approx(0.367, abs=0.01)


def test_cursor_pages_walk_every_listing_once_nearest_first_ties_by_id(db):
    owner = UserFactory(owner=True)
    # Three listings on each of five spots: ties in distance, broken by id.
    for step in range(5):
        for _ in range(3):
            at(CENTRE[0] + step * 0.004, CENTRE[1], owner=owner)
    client = client_for()

    seen, cards, url = [], [], f"{URL}?{AROUND}&radius_km=10&page_size=4"
    while url:
        response = client.get(url)
        cards += results(response)
        url = response.json()["next"]
    seen = [card["id"] for card in cards]

    assert len(seen) == 15 == len(set(seen))
    assert seen == [
        card["id"] for card in sorted(cards, key=lambda card: (card["distance_km"], card["id"]))
    ]
    # ...and back: the previous page of the last one is the one before it.
    first = client.get(f"{URL}?{AROUND}&radius_km=10&page_size=4").json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [card["id"] for card in back["results"]] == seen[:4]


def test_numbered_pages_keep_the_distance_order(paris):
    found = ids(client_for().get(f"{URL}?{AROUND}&radius_km=10&page=1&page_size=2"))
    assert found == [paris[0.5].pk, paris[1.2].pk]


def test_a_radius_across_the_antimeridian_and_near_a_pole(db):
    east, west = at(-16.80, 179.95), at(-16.80, -179.95)  # Fiji, either side of 180°
    north = at(89.95, 120.0)

    across = ids(client_for().get(f"{URL}?lat=-16.8&lng=179.99&radius_km=20&ordering=price_cents"))
    pole = ids(client_for().get(f"{URL}?lat=89.99&lng=-60&radius_km=10&ordering=-created_at"))
    nearest = ids(client_for().get(f"{URL}?lat=-16.8&lng=-179.99&radius_km=20"))

    assert set(across) == {east.pk, west.pk} and pole == [north.pk]
    assert nearest == [west.pk, east.pk]


def test_the_query_count_does_not_grow_with_the_results(db):
    owner = UserFactory(owner=True)
    client = client_for()
    listings_of(owner, 3, latitude=Decimal("48.853"), longitude=Decimal("2.35"))
    url = f"{URL}?{AROUND}&radius_km=5"
    few = query_count(client, url, 3)
    listings_of(owner, 30, latitude=Decimal("48.854"), longitude=Decimal("2.351"))
    assert query_count(client, url, 20) == few
    by_date = query_count(client, f"{url}&ordering=-created_at", 20)
    assert by_date <= few


# --- 400s ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lat=48.85&lng=2.35", "radius_km"),
        ("lat=48.85&radius_km=3", "lng"),
        ("lng=2.35&radius_km=3", "lat"),
        ("radius_km=3", "lat"),
        ("lat=90.5&lng=2&radius_km=3", "lat"),
        ("lat=-91&lng=2&radius_km=3", "lat"),
        ("lat=48&lng=180.01&radius_km=3", "lng"),
        ("lat=48&lng=-181&radius_km=3", "lng"),
        ("lat=48&lng=2&radius_km=0", "radius_km"),
        ("lat=48&lng=2&radius_km=-1", "radius_km"),
        ("lat=48&lng=2&radius_km=100.5", "radius_km"),
        ("lat=nan&lng=2&radius_km=3", "lat"),
        ("lat=48&lng=inf&radius_km=3", "lng"),
        ("lat=48&lng=2&radius_km=Infinity", "radius_km"),
        ("lat=48,5&lng=2&radius_km=3", "lat"),
        ("lat=&lng=2&radius_km=3", "lat"),
        ("lat=48&lng=2&radius_km=1e400", "radius_km"),
        ("ordering=distance", "ordering"),
        ("ordering=distance&q=piscine", "ordering"),
        ("radius=3", "radius"),
        ("lon=2.35", "lon"),
        ("citty=Paris", "citty"),
        ("city=Paris&format=json", "format"),
    ],
)
def test_bad_or_partial_parameters_answer_400_naming_the_field(db, query, field):
    response = client_for().get(f"{URL}?{query}")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error


def test_every_unknown_parameter_is_named(db):
    response = client_for().get(f"{URL}?city=Paris&foo=1&bar=2&page_size=5")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"foo", "bar"}


def _cursor(position, reverse=0) -> str:
    raw = json.dumps({"r": reverse, "p": position}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("reverse", [0, 1])
@pytest.mark.parametrize("distance", [-1.0, 0, 1e308, 2e7])
def test_a_well_formed_distance_cursor_anywhere_is_served(paris, reverse, distance):
    cursor = _cursor([distance, 1], reverse)
    response = client_for().get(f"{URL}?{AROUND}&radius_km=5&cursor={cursor}")

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "position",
    [["far", 1], [None, 1], [True, 1], [1e308, "x"], [1.5], [1.5, 1, 2], [{"a": 1}, 1]],
)
def test_a_crafted_distance_cursor_is_a_400(paris, position):
    response = client_for().get(f"{URL}?{AROUND}&radius_km=5&cursor={_cursor(position)}")

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_a_cursor_of_another_order_is_refused_or_harmless(paris):
    by_date = client_for().get(f"{URL}?{AROUND}&radius_km=5&ordering=-created_at&page_size=1")
    cursor = by_date.json()["next_cursor"]

    response = client_for().get(f"{URL}?{AROUND}&radius_km=5&cursor={cursor}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


# --- plans ---------------------------------------------------------------------------------


@pytest.fixture
def spread_listings(db):
    """6,000 listings over France, 25 of them at each spot of a grid of 0.01° (about 1 km)."""
    with db_context(DbContext.system("tests")):
        owner = UserFactory(owner=True)
        listings_of(
            owner,
            6000,
            lambda i: {
                "latitude": Decimal(f"{43 + (i % 240) / 100:.8f}"),
                "longitude": Decimal(f"{1 + (i // 240) / 100:.8f}"),
                "max_guests": 2 + i % 5,
            },
        )
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE listing_search")
    return owner


@pytest.mark.django_db(transaction=True)
def test_nearest_first_reads_the_point_index_in_distance_order_as_app_user(spread_listings):
    near = Near(latitude=44.0, longitude=1.1, radius_km=8)
    with db_context(DbContext(tenant_id=spread_listings.tenant_id)), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == "app_user"
        searches = {
            "plain": listing_search(near=near),
            "filtered": listing_search(near=near, guests=5, min_price=1, max_price=10**8),
        }
        with bitmap_scans_off():
            plans = {
                name: nearest_page(search, 21, near=near).explain()
                for name, search in searches.items()
            }
    for name, text in plans.items():
        assert "listing_search_point_idx" in text, (name, text)
        # The n-th nearest is read nearest first through the index (no sort of the radius).
        assert "Order By: (point <->" in text, (name, text)
        assert "Bitmap" not in text, (name, text)


@pytest.mark.django_db(transaction=True)
def test_other_orders_around_a_point_do_not_trust_the_point_index(spread_listings):
    """PostgreSQL estimates `<@` at a fixed 0.1% of the rows: the other orders filter by the
    coordinates' ranges (histograms) and the exact distance, as the bounding box does."""
    near = Near(latitude=44.0, longitude=1.1, radius_km=8)
    with db_context(DbContext(tenant_id=spread_listings.tenant_id)):
        text = listing_search(near=near, ordering="-created_at")[:21].explain()
    assert "listing_search_point_idx" not in text, text
    assert "listing_search_coordinates_idx" in text or "listing_search_recent_idx" in text, text
