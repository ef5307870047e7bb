"""Every bound of a listing's fields, at its edge: the edge is accepted, one step past it is a
400 naming the field (on create and on change), and nothing is written."""

import pytest

from apps.listings.models import Listing
from tests.factories import AmenityFactory, CategoryFactory, ListingFactory, TagFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/listings/"
VALID = {"title": "Bright flat by the canal", "price_cents": 12_000, "beds": 2, "baths": 1}
PHOTOS_20 = [f"https://img.example.com/{i}.jpg" for i in range(20)]

ACCEPTED = [
    {"title": "x" * 5},
    {"title": "x" * 200},
    {"description": "x" * 2000},
    {"description": None},
    {"price_cents": 100},
    {"price_cents": 100_000_000},
    {"beds": 0},
    {"beds": 50},
    {"baths": 0},
    {"baths": 50},
    {"max_guests": 1},
    {"max_guests": 50},
    {"area": "1"},
    {"area": "100000"},
    {"floor": -5},
    {"floor": 200},
    {"latitude": "-90", "longitude": "-180"},
    {"latitude": "90", "longitude": "180"},
    {"photos": PHOTOS_20},
    {"photos": ["http://img.example.com/a.jpg"]},
    {"currency": "USD"},
    {"currency": "CHF"},
    {"meta_title": "x" * 60},
    {"meta_description": "x" * 160},
    {"city": "x" * 100},
    {"address": "x" * 255},
]

REFUSED = [
    ("title", "x" * 4),
    ("title", "x" * 201),
    ("title", None),
    ("description", "x" * 2001),
    ("price_cents", 99),
    ("price_cents", 100_000_001),
    ("price_cents", "12.5"),
    ("beds", -1),
    ("beds", 51),
    ("baths", -1),
    ("baths", 51),
    ("max_guests", 0),
    ("max_guests", 51),
    ("area", "0.99"),
    ("area", "100000.01"),
    ("floor", -6),
    ("floor", 201),
    ("latitude", "-90.00000001"),
    ("longitude", "180.1"),
    ("photos", "https://img.example.com/a.jpg"),  # not a list
    ("photos", ["javascript:alert(1)"]),
    ("photos", [*PHOTOS_20, "https://img.example.com/21.jpg"]),
    ("photos", ["https://img.example.com/" + "x" * 500]),
    ("currency", "JPY"),  # well formed, not supported
    ("currency", "EURO"),
    ("meta_title", "x" * 61),
    ("meta_description", "x" * 161),
    ("city", "x" * 101),
    ("category", 999_999),
    ("amenities", [999_999]),
    ("tags", [999_999]),
    ("amenities", "1"),
    # server-owned or unknown fields are refused, not ignored
    ("status", "draft"),
    ("owner", 1),
    ("tenant", 1),
    ("id", 5),
    ("slug", "my-flat"),
    ("is_active", True),
    ("rating_avg", "5.00"),
    ("review_count", 10),
    ("created_at", "2020-01-01T00:00:00Z"),
    ("updated_at", "2020-01-01T00:00:00Z"),
    ("deleted_at", None),
    ("search_vector", "x"),
    ("surprise", "field"),
]


@pytest.mark.parametrize("fields", ACCEPTED, ids=lambda f: ",".join(f"{k}" for k in f))
def test_values_at_the_edge_are_accepted(fields):
    response = client_for(UserFactory(owner=True)).post(URL, {**VALID, **fields}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    for key, value in fields.items():
        if key in ("area", "latitude", "longitude"):
            assert float(body[key]) == float(value)
        else:
            assert body[key] == value


@pytest.mark.parametrize(("field", "value"), REFUSED)
def test_values_past_the_edge_are_refused_on_create(field, value):
    owner = UserFactory(owner=True)

    response = client_for(owner).post(URL, {**VALID, field: value}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"]
    assert list(error["fields"]) == [field], error
    assert all(isinstance(message, str) for message in _messages(error["fields"][field]))
    assert not Listing.all_objects.filter(owner=owner).exists()


@pytest.mark.parametrize(("field", "value"), REFUSED)
def test_values_past_the_edge_are_refused_on_change(field, value):
    listing = ListingFactory(draft=True)
    before = Listing.all_objects.values().get(pk=listing.pk)

    response = client_for(listing.owner).patch(f"{URL}{listing.pk}/", {field: value}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert Listing.all_objects.values().get(pk=listing.pk) == before


def _messages(value):
    """Field errors are strings, or for lists an object keyed by index."""
    if isinstance(value, dict):
        return [m for sub in value.values() for m in _messages(sub)]
    if isinstance(value, list):
        return [m for sub in value for m in _messages(sub)]
    return [value]


@pytest.mark.parametrize("missing", ["title", "price_cents", "beds", "baths"])
def test_required_fields_on_create(missing):
    body = {k: v for k, v in VALID.items() if k != missing}

    response = client_for(UserFactory(owner=True)).post(URL, body, format="json")

    assert response.status_code == 400 and missing in response.json()["error"]["fields"]


def test_defaults_on_create():
    body = client_for(UserFactory(owner=True)).post(URL, VALID, format="json").json()

    assert (body["currency"], body["max_guests"], body["photos"]) == ("EUR", 2, [])
    assert (body["status"], body["is_active"], body["rating_avg"], body["review_count"]) == (
        "draft", True, None, 0,
    )  # fmt: skip


def test_a_body_that_is_not_an_object_is_refused():
    response = client_for(UserFactory(owner=True)).post(URL, [VALID], format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_coordinates_come_in_pairs_on_change_too():
    listing = ListingFactory(draft=True)  # has both
    client = client_for(listing.owner)

    alone = client.patch(f"{URL}{listing.pk}/", {"latitude": None}, format="json")
    both = client.patch(f"{URL}{listing.pk}/", {"latitude": None, "longitude": None}, format="json")

    assert alone.status_code == 400 and "latitude" in alone.json()["error"]["fields"]
    assert both.status_code == 200 and both.json()["latitude"] is None


def test_a_change_replaces_amenities_tags_and_category():
    listing = ListingFactory(draft=True)
    old_amenity, new_amenity, tag = AmenityFactory(), AmenityFactory(), TagFactory()
    category = CategoryFactory()
    client = client_for(listing.owner)
    client.patch(f"{URL}{listing.pk}/", {"amenities": [old_amenity.pk]}, format="json")

    body = client.patch(
        f"{URL}{listing.pk}/",
        {"amenities": [new_amenity.pk], "tags": [tag.pk], "category": category.pk},
        format="json",
    ).json()

    assert [a["id"] for a in body["amenities"]] == [new_amenity.pk]
    assert [t["id"] for t in body["tags"]] == [tag.pk]
    assert body["category"] == {"id": category.pk, "name": category.name, "slug": category.slug}
    cleared = client.patch(f"{URL}{listing.pk}/", {"amenities": []}, format="json").json()
    assert cleared["amenities"] == [] and [t["id"] for t in cleared["tags"]] == [tag.pk]
