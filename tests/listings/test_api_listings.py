"""The listings API, for each kind of caller: anonymous, owner, other user, staff."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core import dates
from apps.listings.models import Listing, ListingAmenity, ListingTag
from tests.factories import (
    AmenityFactory,
    BookingFactory,
    CategoryFactory,
    ListingFactory,
    ReviewFactory,
    TagFactory,
    UserFactory,
)
from tests.helpers import client_for, ids

pytestmark = pytest.mark.django_db
URL = "/api/v1/listings/"


VALID = {"title": "Bright flat by the canal", "price_cents": 12_000, "beds": 2, "baths": 1}


# --- search -----------------------------------------------------------------------------


def test_anonymous_visitors_see_published_active_listings_only():
    shown = ListingFactory()
    ListingFactory(draft=True)
    ListingFactory(is_active=False)
    ListingFactory(status="archived")
    deleted = ListingFactory()
    Listing.objects.filter(pk=deleted.pk).update(deleted_at=deleted.created_at)

    response = client_for().get(URL)

    assert response.status_code == 200
    assert ids(response) == [shown.pk]
    assert set(response.json()) == {"next", "next_cursor", "previous", "previous_cursor", "results"}


def test_the_public_list_is_the_same_for_owners_and_staff():
    draft = ListingFactory(draft=True)
    for caller in (draft.owner, UserFactory(staff=True)):
        assert ids(client_for(caller).get(URL)) == []


def test_a_search_item_carries_what_a_card_shows():
    amenity, tag = AmenityFactory(name="Wi-Fi"), TagFactory(name="sea view")
    listing = ListingFactory(
        photos=["https://img.example.com/a.jpg", "https://img.example.com/b.jpg"]
    )
    ListingAmenity.objects.create(listing=listing, amenity=amenity)
    ListingTag.objects.create(listing=listing, tag=tag)
    ReviewFactory(booking=BookingFactory(listing=listing, status="completed"), rating=4)

    [item] = client_for().get(URL).json()["results"]

    assert item["owner"] == {"id": listing.owner_id, "name": listing.owner.name}
    assert item["photo"] == "https://img.example.com/a.jpg"
    assert item["amenities"][0]["name"] == "Wi-Fi" and item["tags"][0]["slug"] == tag.slug
    assert (item["rating_avg"], item["review_count"]) == (4.0, 1)
    assert item["price_cents"] == 12_000 and item["currency"] == "EUR"
    assert "description" not in item


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("city=Lyon", {"lyon"}),
        ("min_price=10000&max_price=20000", {"paris"}),
        ("guests=6", {"lyon"}),
        ("beds=3", {"lyon"}),
        ("baths=2", {"lyon"}),
        ("q=piscine", {"lyon"}),
        ("bbox=2.2,48.8,2.5,48.9", {"paris"}),
        ("ordering=price_cents", {"paris", "lyon", "nice"}),
    ],
)
def test_search_filters(query, expected):
    listings = {
        "paris": ListingFactory(city="Paris", price_cents=15_000, max_guests=2, beds=1, baths=1),
        "lyon": ListingFactory(
            city="Lyon", price_cents=30_000, max_guests=8, beds=4, baths=2,
            title="Maison avec piscine", latitude="45.76", longitude="4.83",
        ),
        "nice": ListingFactory(
            city="Nice", price_cents=5_000, max_guests=2, beds=1, baths=1,
            latitude="43.70", longitude="7.26",
        ),
    }  # fmt: skip
    names = {listing.pk: name for name, listing in listings.items()}

    response = client_for().get(f"{URL}?{query}")

    assert response.status_code == 200, response.json()
    assert {names[i] for i in ids(response)} == expected


def test_category_covers_its_descendants():
    homes = CategoryFactory(name="Homes")
    villas = CategoryFactory(name="Villas", parent=homes)
    in_child = ListingFactory(category=villas)
    in_parent = ListingFactory(category=homes)
    ListingFactory(category=CategoryFactory(name="Boats"))

    assert set(ids(client_for().get(f"{URL}?category={homes.pk}"))) == {in_child.pk, in_parent.pk}
    assert ids(client_for().get(f"{URL}?category={villas.pk}")) == [in_child.pk]


@pytest.mark.parametrize(
    ("parameter", "link", "column", "factory"),
    [
        ("amenities", ListingAmenity, "amenity", AmenityFactory),
        ("tags", ListingTag, "tag", TagFactory),
    ],
)
def test_amenities_and_tags_must_all_match(parameter, link, column, factory):
    wifi, pool = factory(), factory()
    both, only_wifi = ListingFactory(), ListingFactory()
    for listing, linked in ((both, [wifi, pool]), (only_wifi, [wifi])):
        for one in linked:
            link.objects.create(listing=listing, **{column: one})

    assert ids(client_for().get(f"{URL}?{parameter}={wifi.pk},{pool.pk}")) == [both.pk]
    assert set(ids(client_for().get(f"{URL}?{parameter}={wifi.pk}"))) == {both.pk, only_wifi.pk}


def test_availability_excludes_listings_booked_by_anyone():
    free, booked = ListingFactory(), ListingFactory()
    BookingFactory(listing=booked, check_in=dt.date(2031, 3, 3), check_out=dt.date(2031, 3, 6))

    response = client_for(UserFactory()).get(
        f"{URL}?available_from=2031-03-01&available_to=2031-03-05"
    )

    assert ids(response) == [free.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=10,10,5,5", "bbox"),
        ("min_price=-1", "min_price"),
        ("min_price=500&max_price=100", "max_price"),
        ("guests=0", "guests"),
        ("amenities=1,x", "amenities"),
        ("available_from=2031-03-01", "available_to"),
        ("available_from=2031-03-05&available_to=2031-03-01", "available_to"),
        ("ordering=title", "ordering"),
        ("ordering=relevance", "ordering"),  # needs q
        ("category=abc", "category"),
        ("category=99999999999999999999", "category"),
        ("guests=1.5", "guests"),
        ("guests=51", "guests"),
        ("beds=-1", "beds"),
        ("baths=51", "baths"),
        ("max_price=100000001", "max_price"),
        ("amenities=0", "amenities"),
        ("amenities=" + ",".join(str(i) for i in range(1, 22)), "amenities"),
        ("tags=sea-view", "tags"),
        ("q=" + "x" * 201, "q"),
        ("city=" + "x" * 101, "city"),
        ("bbox=-181,0,0,10", "bbox"),
        ("bbox=0,0,10,91", "bbox"),
        ("available_from=2031-01-01&available_to=2032-01-03", "available_to"),
        ("available_from=tomorrow&available_to=2031-01-01", "available_from"),
    ],
)
def test_bad_search_parameters_answer_400_naming_the_field(query, field):
    response = client_for().get(f"{URL}?{query}")

    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid" and field in body["fields"]


# --- pagination ---------------------------------------------------------------------------


def test_cursor_pagination_walks_every_listing_once_in_a_stable_order():
    ListingFactory.create_batch(7)
    client, seen, url = client_for(), [], f"{URL}?page_size=3"

    while url:
        page = client.get(url).json()
        seen += [item["id"] for item in page["results"]]
        url = page["next"]

    assert len(seen) == 7 and len(set(seen)) == 7


def test_page_numbers_when_asked():
    ListingFactory.create_batch(5)

    page = client_for().get(f"{URL}?page=2&page_size=2").json()

    assert page["count"] == 5 and len(page["results"]) == 2
    assert set(page) == {"count", "next", "previous", "results"}


def test_page_size_is_capped_at_100():
    ListingFactory.create_batch(3)
    assert len(client_for().get(f"{URL}?page_size=500").json()["results"]) == 3  # capped, no error


def test_the_cursor_never_uses_offset():
    ListingFactory.create_batch(5)
    client = client_for()
    next_url = client.get(f"{URL}?page_size=2").json()["next"]

    with CaptureQueriesContext(connection) as queries:
        client.get(next_url)

    listing_queries = [q["sql"] for q in queries if 'FROM "listings"' in q["sql"]]
    assert listing_queries and not any("OFFSET" in sql for sql in listing_queries)


# --- create, change, delete ---------------------------------------------------------------


def test_an_owner_creates_a_draft_in_their_name():
    owner = UserFactory(owner=True)
    amenity, tag = AmenityFactory(), TagFactory()

    response = client_for(owner).post(
        URL, {**VALID, "amenities": [amenity.pk], "tags": [tag.pk]}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["owner"]["id"]) == ("draft", owner.pk)
    listing = Listing.objects.get(pk=body["id"])
    assert listing.tenant_id == owner.tenant_id
    assert list(listing.amenities.all()) == [amenity] and list(listing.tags.all()) == [tag]


def test_guests_and_anonymous_cannot_create_listings():
    assert client_for(UserFactory()).post(URL, VALID, format="json").status_code == 403
    assert client_for().post(URL, VALID, format="json").status_code in (401, 403)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Flat"),
        ("title", "x" * 201),
        ("description", "x" * 2001),
        ("price_cents", 99),
        ("price_cents", 100_000_001),
        ("beds", -1),
        ("baths", 51),
        ("max_guests", 0),
        ("latitude", "91"),
        ("photos", ["ftp://example.com/a.jpg"]),
        ("photos", [f"https://img.example.com/{i}.jpg" for i in range(21)]),
        ("currency", "eur"),
        ("meta_title", "x" * 61),
        ("category", 999_999),
        ("owner", 1),
        ("status", "published"),
        ("tenant", 1),
        ("id", 5),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("rating_avg", "5.00"),
        ("surprise", "field"),
    ],
)
def test_invalid_or_server_owned_fields_are_refused(field, value):
    owner = UserFactory(owner=True)

    response = client_for(owner).post(URL, {**VALID, field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Listing.all_objects.filter(owner=owner).exists()


def test_coordinates_come_together():
    response = client_for(UserFactory(owner=True)).post(
        URL, {**VALID, "latitude": "45.1"}, format="json"
    )
    assert response.status_code == 400 and "longitude" in response.json()["error"]["fields"]


def test_an_owner_changes_publishes_archives_and_deletes_their_listing():
    listing = ListingFactory(draft=True)
    client = client_for(listing.owner)
    url = f"{URL}{listing.pk}/"

    assert client.patch(url, {"price_cents": 20_000}, format="json").json()["price_cents"] == 20_000
    assert client.post(f"{url}publish/").json()["status"] == "published"
    assert client.post(f"{url}archive/").json()["status"] == "archived"
    archived_again = client.post(f"{url}archive/")
    assert archived_again.status_code == 409
    assert archived_again.json()["error"]["code"] == "invalid_transition"
    assert client.delete(url).status_code == 204
    assert Listing.all_objects.get(pk=listing.pk).deleted_at is not None
    assert client.get(url).status_code == 404  # gone from the API...
    mine = client.get(f"{URL}mine/?deleted=true").json()["results"]
    assert [item["id"] for item in mine] == [listing.pk]  # ...but still in their own list


def test_another_users_draft_is_404_and_their_published_listing_is_403_to_change():
    draft, published = ListingFactory(draft=True), ListingFactory()
    intruder = client_for(UserFactory(owner=True))

    assert intruder.get(f"{URL}{draft.pk}/").status_code == 404
    assert intruder.patch(f"{URL}{draft.pk}/", {"beds": 9}, format="json").status_code == 404
    assert intruder.get(f"{URL}{published.pk}/").status_code == 200
    assert intruder.patch(f"{URL}{published.pk}/", {"beds": 9}, format="json").status_code == 403
    assert intruder.delete(f"{URL}{published.pk}/").status_code == 403
    assert intruder.post(f"{URL}{published.pk}/archive/").status_code == 403
    assert Listing.objects.get(pk=published.pk).beds == 2


def test_anonymous_callers_cannot_change_anything():
    listing = ListingFactory()
    response = client_for().patch(f"{URL}{listing.pk}/", {"beds": 9}, format="json")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] in ("not_authenticated", "permission_denied")


def test_staff_see_drafts_and_may_change_them():
    draft = ListingFactory(draft=True)
    staff = client_for(UserFactory(staff=True, permissions=["listings.change_listing"]))

    assert staff.get(f"{URL}{draft.pk}/").status_code == 200
    assert staff.patch(f"{URL}{draft.pk}/", {"beds": 3}, format="json").status_code == 200


def test_mine_lists_all_of_the_callers_listings():
    owner = UserFactory(owner=True)
    mine = [ListingFactory(owner=owner, draft=True), ListingFactory(owner=owner)]
    ListingFactory()

    response = client_for(owner).get(f"{URL}mine/")

    assert sorted(ids(response)) == sorted(x.pk for x in mine)
    assert client_for().get(f"{URL}mine/").status_code in (401, 403)


def test_versions_for_the_owner_only():
    listing = ListingFactory()
    client = client_for(listing.owner)
    client.patch(f"{URL}{listing.pk}/", {"title": "A brand new title"}, format="json")

    versions = client.get(f"{URL}{listing.pk}/versions/").json()["results"]

    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["created_by"]["id"] == listing.owner_id
    assert client_for(UserFactory()).get(f"{URL}{listing.pk}/versions/").status_code == 403


def test_availability_shows_the_nights_of_bookings_holding_them_only():
    listing = ListingFactory()
    BookingFactory(listing=listing, check_in=dt.date(2031, 5, 1), check_out=dt.date(2031, 5, 4))
    BookingFactory(
        listing=listing,
        check_in=dt.date(2031, 5, 10),
        check_out=dt.date(2031, 5, 12),
        status="cancelled",
    )

    response = client_for().get(f"{URL}{listing.pk}/availability/?from=2031-04-01&to=2031-06-01")

    assert response.json()["unavailable"] == [{"start": "2031-05-01", "end": "2031-05-04"}]
    bad = client_for().get(f"{URL}{listing.pk}/availability/?from=2031-06-01&to=2031-04-01")
    assert bad.status_code == 400 and "to" in bad.json()["error"]["fields"]
    assert client_for().get(f"{URL}{listing.pk}/availability/").status_code == 400


def test_the_reviews_of_a_listing_hide_hidden_ones():
    listing = ListingFactory()
    shown = ReviewFactory(booking=BookingFactory(listing=listing, status="completed"))
    ReviewFactory(
        booking=BookingFactory(listing=listing, status="completed"),
        is_hidden=True,
        hidden_reason="Spam",
    )

    assert ids(client_for().get(f"{URL}{listing.pk}/reviews/")) == [shown.pk]


def test_reference_data_is_public():
    parent = CategoryFactory(name="Homes")
    CategoryFactory(name="Villas", parent=parent)
    AmenityFactory(name="Pool")
    TagFactory(name="quiet")
    client = client_for()

    tree = client.get("/api/v1/categories/").json()
    homes = next(node for node in tree if node["name"] == "Homes")
    assert homes["children"][0]["name"] == "Villas"
    assert any(a["name"] == "Pool" for a in client.get("/api/v1/amenities/").json())
    assert any(t["name"] == "quiet" for t in client.get("/api/v1/tags/").json())


@pytest.mark.parametrize("caller", ["anonymous", "guest", "owner of the listing"])
def test_availability_search_sees_every_guests_pending_or_confirmed_booking(caller):
    """Bookings are hidden by row-level security from everyone but their guest and the
    listing's owner; the search still excludes them (listing_unavailable_ranges is SECURITY
    DEFINER and returns dates only)."""
    free, confirmed, pending, cancelled = ListingFactory.create_batch(4)
    stay = {"check_in": dt.date(2031, 3, 3), "check_out": dt.date(2031, 3, 6)}
    BookingFactory(listing=confirmed, status="confirmed", **stay)
    BookingFactory(listing=pending, status="pending", **stay)
    BookingFactory(listing=cancelled, status="cancelled", **stay)
    user = {"anonymous": None, "guest": UserFactory(), "owner of the listing": pending.owner}

    response = client_for(user[caller]).get(
        f"{URL}?available_from=2031-03-01&available_to=2031-03-05"
    )

    assert set(ids(response)) == {free.pk, cancelled.pk}


def test_availability_ranges_are_half_open():
    listing = ListingFactory()
    BookingFactory(listing=listing, check_in=dt.date(2031, 3, 3), check_out=dt.date(2031, 3, 6))
    client = client_for()

    def found(start, end):
        return ids(client.get(f"{URL}?available_from={start}&available_to={end}")) == [listing.pk]

    assert found("2031-03-06", "2031-03-09")  # arrive on the check-out day
    assert found("2031-03-01", "2031-03-03")  # leave on the check-in day
    assert not found("2031-03-05", "2031-03-07")


def test_full_text_search_stems_french_and_combines_with_filters():
    cheap = ListingFactory(title="Appartement avec piscines", description="", price_cents=9_000)
    ListingFactory(title="Villa avec piscine", description="", price_cents=90_000)
    ListingFactory(title="Studio calme", description="Près de la piscine municipale")
    client = client_for()

    assert len(ids(client.get(f"{URL}?q=piscine"))) == 3  # title and description, stemmed
    assert ids(client.get(f"{URL}?q=piscine&max_price=10000")) == [cheap.pk]
    assert ids(client.get(f"{URL}?q=piscine -villa -studio")) == [cheap.pk]  # websearch syntax
    assert ids(client.get(f"{URL}?q=le")) == []  # only a stop word: nothing matches


def test_mine_hides_soft_deleted_listings_unless_asked():
    owner = UserFactory(owner=True)
    kept, deleted = ListingFactory(owner=owner, status="archived"), ListingFactory(owner=owner)
    client = client_for(owner)
    client.delete(f"{URL}{deleted.pk}/")

    assert ids(client.get(f"{URL}mine/")) == [kept.pk]
    assert set(ids(client.get(f"{URL}mine/?deleted=true"))) == {kept.pk, deleted.pk}
    bad = client.get(f"{URL}mine/?deleted=maybe")
    assert bad.status_code == 400 and "deleted" in bad.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2031-01-01", "to"),
        ("to=2031-01-01", "from"),
        ("from=2031-01-01&to=2031-01-01", "to"),
        ("from=2031-01-01&to=2032-01-03", "to"),  # 367 days
        ("from=01/02/2031&to=2031-03-01", "from"),
    ],
)
def test_availability_bounds(query, field):
    listing = ListingFactory()

    response = client_for().get(f"{URL}{listing.pk}/availability/?{query}")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_availability_shows_other_guests_bookings_as_dates_only():
    listing = ListingFactory()
    BookingFactory(listing=listing, status="pending", check_in=dt.date(2031, 1, 5),
                   check_out=dt.date(2031, 1, 8))  # fmt: skip

    body = (
        client_for(UserFactory())
        .get(
            f"{URL}{listing.pk}/availability/?from=2031-01-01&to=2032-01-02"  # 366 days: allowed
        )
        .json()
    )

    assert body == {
        "listing": listing.pk,
        "start": "2031-01-01",
        "end": "2032-01-02",
        "unavailable": [{"start": "2031-01-05", "end": "2031-01-08"}],
        "min_nights": 1,
        "max_nights": 90,
        "earliest_check_in": dates.today().isoformat(),
        "latest_check_in": dates.latest_check_in().isoformat(),
    }


def test_reference_data_may_be_cached_for_a_minute():
    response = client_for().get("/api/v1/amenities/")

    assert "max-age=60" in response["Cache-Control"] and "public" in response["Cache-Control"]
