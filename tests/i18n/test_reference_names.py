"""Categories, amenities and tags are named in both languages; the API's `name` is the
request's language's, in every read that shows one, at the same query counts."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.listings.models import Amenity, Category, ListingAmenity, ListingTag, Tag
from tests.db import execute, refused
from tests.factories import AmenityFactory, CategoryFactory, ListingFactory, TagFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

NAMES = {
    "fr": {
        "category": "Maisons",
        "child": "Chalets",
        "amenity": "Cuisine",
        "tag": "Vue sur la mer",
    },
    "en": {"category": "Houses", "child": "Chalets", "amenity": "Kitchen", "tag": "Sea view"},
}


@pytest.fixture
def listing():
    houses = CategoryFactory(name_fr="Maisons", name_en="Houses", slug="maisons")
    CategoryFactory(name_fr="Chalets", name_en="Chalets", slug="chalets", parent=houses)
    kitchen = AmenityFactory(name_fr="Cuisine", name_en="Kitchen")
    AmenityFactory(name_fr="Wi-Fi", name_en="Wi-Fi")
    sea_view = TagFactory(name_fr="Vue sur la mer", name_en="Sea view", slug="sea-view")
    listing = ListingFactory(category=houses)
    ListingAmenity.objects.create(listing=listing, amenity=kitchen)
    ListingTag.objects.create(listing=listing, tag=sea_view, added_by=listing.owner)
    return listing


def get(path: str, language: str):
    response = client_for().get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Language"] == language
    return response.json()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_reference_lists_are_named_in_the_requested_language(listing, language):
    names = NAMES[language]

    [tree] = get("/api/v1/categories/", language)
    assert (tree["name"], tree["children"][0]["name"]) == (names["category"], names["child"])
    amenities = {a["name"] for a in get("/api/v1/amenities/", language)}
    assert amenities == {names["amenity"], "Wi-Fi"}
    assert [t["name"] for t in get("/api/v1/tags/", language)] == [names["tag"]]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_listing_names_its_category_amenities_and_tags_in_the_requested_language(
    listing, language
):
    names = NAMES[language]

    for body in (get(f"/api/v1/listings/{listing.pk}/", language),
                 get("/api/v1/listings/", language)["results"][0]):  # fmt: skip
        assert body["id"] == listing.pk
        assert body["category"]["name"] == names["category"]
        assert [a["name"] for a in body["amenities"]] == [names["amenity"]]
        assert [t["name"] for t in body["tags"]] == [names["tag"]]


def test_reading_in_either_language_costs_the_same_queries(listing):
    for path in ("/api/v1/listings/", f"/api/v1/listings/{listing.pk}/", "/api/v1/amenities/",
                 "/api/v1/tags/", "/api/v1/categories/"):  # fmt: skip
        counts = {}
        for language in ("fr", "en"):
            client = client_for()
            client.get(path, HTTP_ACCEPT_LANGUAGE=language)  # warm (the tenant's look-up)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path, HTTP_ACCEPT_LANGUAGE=language).status_code == 200
            counts[language] = len(queries)
        assert counts["fr"] == counts["en"], (path, counts)


def test_models_show_the_active_languages_name(listing):
    from django.utils import translation

    category = Category.objects.get(slug="maisons")
    with translation.override("en"):
        assert (str(category), Amenity.objects.get(name_fr="Cuisine").name) == ("Houses", "Kitchen")
    with translation.override("fr"):
        assert (str(category), Tag.objects.get().name) == ("Maisons", "Vue sur la mer")


@pytest.mark.parametrize("table", ["categories", "amenities", "tags"])
@pytest.mark.parametrize("column", ["name_fr", "name_en"])
def test_postgresql_requires_a_name_in_each_language(listing, table, column):
    with refused(f"{table}_names_present"):
        execute(f"UPDATE {table} SET {column} = ' '")  # noqa: S608 (our own identifiers)
    with pytest.raises(IntegrityError, match="null value"), transaction.atomic():
        execute(f"UPDATE {table} SET {column} = NULL")  # noqa: S608


def test_the_same_name_twice_in_a_language_is_refused():
    TagFactory(name_fr="Calme", name_en="Quiet", slug="quiet")

    with refused("tags_name_fr_unique"):
        TagFactory(name_fr="Calme", name_en="Peaceful", slug="peaceful")
    with refused("tags_name_en_unique"):
        TagFactory(name_fr="Paisible", name_en="Quiet", slug="peaceful")
