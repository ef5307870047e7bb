"""No input reaches a 500, and a request's work is bounded: each hostile input once found to
reach one, as a regression test — hostile path ids, deep JSON, text PostgreSQL cannot store,
crafted cursors, huge lists in bodies (docs/security.md, "Hostile input")."""

import base64
import json
import time
from decimal import Decimal
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.core.api.pagination import cursor_value
from apps.core.api.parsers import MAX_JSON_DEPTH, json_depth
from apps.core.errors import InvalidCursor
from apps.listings.models import Listing
from apps.listings.services import MAX_AMENITIES, MAX_PHOTOS, MAX_TAGS
from apps.reviews.models import Review
from tests.factories import BookingFactory, MessageFactory, ReviewFactory, UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.factories.listings import AmenityFactory, ListingFactory, TagFactory
from tests.helpers import client_for, error

pytestmark = pytest.mark.django_db

HOSTILE_IDS = [
    "abc", "null", "1e5", "Infinity", "NaN", "%20", "-1", "0", "1.5", "0x10", "%00", "١٢",
    "9223372036854775808", "99999999999999999999", "9" * 5_000,
]  # fmt: skip
LISTING_ROUTES = [
    ("get", ""), ("patch", ""), ("put", ""), ("delete", ""), ("post", "publish/"),
    ("post", "archive/"), ("get", "versions/"), ("get", "reviews/"),
    ("get", "availability/?from=2030-01-01&to=2030-01-05"),
]  # fmt: skip
OTHER_ROUTES = [
    ("get", "bookings", ""), ("post", "bookings", "confirm/"), ("post", "bookings", "decline/"),
    ("post", "bookings", "cancel/"), ("get", "messages", ""), ("delete", "messages", ""),
    ("post", "messages", "read/"), ("post", "messages", "archive/"),
    ("post", "messages", "report_spam/"), ("get", "reviews", ""), ("patch", "reviews", ""),
]  # fmt: skip


def send(client, method: str, url: str, body: str = ""):
    return client.generic(method.upper(), url, body, content_type="application/json")


# --- path ids -------------------------------------------------------------------------------


@pytest.mark.parametrize("method, action", LISTING_ROUTES)
@pytest.mark.parametrize("pk", HOSTILE_IDS)
def test_a_listing_id_that_is_not_a_positive_bigint_is_a_404_on_every_action(pk, method, action):
    owner = UserFactory(owner=True)
    ListingFactory(owner=owner)

    response = send(client_for(owner), method, f"/api/v1/listings/{pk}/{action}", "{}")

    error(response, 404, "not_found")


@pytest.mark.parametrize("method, prefix, action", OTHER_ROUTES)
@pytest.mark.parametrize("pk", ["abc", "-1", "1e5", "9223372036854775808"])
def test_bookings_messages_and_reviews_ids_too(pk, method, prefix, action):
    response = send(client_for(UserFactory()), method, f"/api/v1/{prefix}/{pk}/{action}", "{}")

    error(response, 404, "not_found")


def test_an_id_beyond_bigint_never_reaches_postgresql():
    owner = UserFactory(owner=True)
    client = client_for(owner)

    with CaptureQueriesContext(connection) as queries:
        response = client.patch("/api/v1/listings/9223372036854775808/", {}, format="json")

    error(response, 404, "not_found")
    assert not [q["sql"] for q in queries if "listings" in q["sql"]]


def test_the_largest_bigint_is_a_plain_404():
    response = client_for().get(f"/api/v1/listings/{2**63 - 1}/reviews/")

    error(response, 404, "not_found")


# --- JSON nesting ---------------------------------------------------------------------------


def test_json_nested_10000_deep_is_a_parse_error_not_a_recursion_error():
    body = "[" * 10_000 + "]" * 10_000

    response = send(client_for(), "post", "/api/v1/auth/token/", body)

    error(response, 400, "parse_error")


def test_deep_json_inside_preferences_is_a_parse_error():
    deep = '{"a":' * 3_000 + "1" + "}" * 3_000

    response = send(
        client_for(UserFactory()), "patch", "/api/v1/users/me/", f'{{"preferences": {deep}}}'
    )

    error(response, 400, "parse_error")


def test_nesting_up_to_the_limit_is_accepted():
    user = UserFactory()
    inside = MAX_JSON_DEPTH - 1  # the body's own object is the first level
    preferences = '{"a":' * inside + "1" + "}" * inside
    client = client_for(user)

    accepted = send(client, "patch", "/api/v1/users/me/", f'{{"preferences": {preferences}}}')
    refused = send(
        client, "patch", "/api/v1/users/me/", f'{{"preferences": {{"b": {preferences}}}}}'
    )

    assert accepted.status_code == 200, accepted.json()
    error(refused, 400, "parse_error")


@pytest.mark.parametrize(
    "text, depth",
    [
        ("1", 0), ("[]", 1), ('{"a": [1, {"b": []}]}', 4), ('["[[[[", "\\"[{"]', 1),
        ('"]]]]"', 0), ('{"a\\\\": [["\\\\"]]}', 3),
    ],
)  # fmt: skip
def test_json_depth_ignores_brackets_inside_strings(text, depth):
    assert json_depth(text) == depth


def test_json_depth_takes_linear_time():
    """Linear, not quadratic: 100× the text takes far less than 10,000× the time (generous:
    the machine is shared)."""
    small, large = "[" * 1_000 + "]" * 1_000, "[" * 100_000 + "]" * 100_000

    start = time.perf_counter()
    json_depth(small)
    small_time = time.perf_counter() - start
    start = time.perf_counter()
    json_depth(large)
    large_time = time.perf_counter() - start

    assert large_time < max(small_time, 1e-4) * 2_000


# --- text PostgreSQL cannot store -----------------------------------------------------------


@pytest.mark.parametrize("bad", ["\\u0000", "\\udfff", "\\ud800x", "a\\u0000b"])
def test_nul_or_a_lone_surrogate_in_preferences_is_a_400_naming_the_path(bad):
    body = f'{{"name": "Ann", "preferences": {{"theme": ["ok", "{bad}"]}}}}'

    response = send(client_for(UserFactory()), "patch", "/api/v1/users/me/", body)

    fields = error(response, 400, "invalid")
    assert list(fields) == ["preferences"]
    assert list(fields["preferences"]) == ["theme"] and list(fields["preferences"]["theme"]) == [
        "1"
    ]


def test_a_surrogate_pair_is_an_ordinary_character():
    user = UserFactory()

    response = send(
        client_for(user), "patch", "/api/v1/users/me/", '{"preferences": {"e": "\\ud83d\\ude00"}}'
    )

    assert response.status_code == 200 and response.json()["preferences"] == {"e": "😀"}


def test_an_unstorable_object_key_is_named_escaped():
    body = '{"preferences": {"\\udfff": 1}}'

    response = send(client_for(UserFactory()), "patch", "/api/v1/users/me/", body)

    fields = error(response, 400, "invalid")
    assert fields == {"preferences": {"\\udfff": [fields["preferences"]["\\udfff"][0]]}}


@pytest.mark.parametrize("param", ["q", "city", "ordering", "cursor", "amenities"])
def test_nul_in_a_query_parameter_is_a_400_naming_it(param):
    response = client_for().get(f"/api/v1/listings/?{param}=Par%00is")

    assert list(error(response, 400, "invalid")) == [param]


def test_nul_in_a_header_that_reaches_postgresql_is_a_400():
    response = client_for().get("/api/v1/listings/", HTTP_USER_AGENT="curl\x00")

    assert list(error(response, 400, "invalid")) == ["User-Agent"]


def test_an_api_form_body_is_refused_before_any_parser_reads_it():
    # The API reads JSON only: a form body, NUL or not, is a 415 and changes nothing.
    owner = UserFactory(owner=True)
    listing = ListingFactory(owner=owner, title="A plain flat")

    response = client_for(owner).patch(
        f"/api/v1/listings/{listing.pk}/",
        urlencode({"title": "A nice\x00 flat"}),
        content_type="application/x-www-form-urlencoded",
    )

    error(response, 415, "unsupported_media_type")
    listing.refresh_from_db()
    assert listing.title == "A plain flat"


def test_nul_in_an_admin_form_or_search_is_a_400():
    staff = UserFactory(staff=True, is_superuser=True)
    client = client_for(staff)
    admin = f"/{settings.ADMIN_URL}"

    search = client.get(f"{admin}listings/listing/?q={quote(chr(0))}")
    login = Client().post(f"{admin}login/", {"username": "a\x00", "password": "x"})

    assert search.status_code == 400 and login.status_code == 400


# --- cursors --------------------------------------------------------------------------------


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


KEYSET_CURSORS = [
    # A timestamp that passes year 9999 once converted to UTC.
    ("-created_at", "eyJyIjowLCJwIjpbIjk5OTktMTItMzFUMjM6NTk6NTktMjM6NTkiLDFdfQ=="),
    ("-created_at", b64('{"r":0,"p":["0001-01-01T00:00:00+23:59",1]}')),
    ("-created_at", b64('{"r":0,"p":["2026-02-30T00:00:00+00:00",1]}')),
    ("-created_at", b64('{"r":0,"p":["2026-01-01T00:00:00",1]}')),  # naive
    ("-created_at", b64('{"r":0,"p":["2026-01-01T00:00:00+00:00",9223372036854775808]}')),
    ("-created_at", b64('{"r":0,"p":["2026-01-01T00:00:00+00:00",1.5]}')),
    ("-created_at", b64('{"r":0,"p":["2026-01-01T00:00:00+00:00",true]}')),
    ("-created_at", b64('{"r":0,"p":["2026-01-01T00:00:00+00:00",null]}')),
    ("-created_at", b64('{"r":true,"p":["2026-01-01T00:00:00+00:00",1]}')),
    ("-created_at", b64('["r","p"]')),
    ("-rating", b64('{"r":0,"p":[1e999999,1]}')),
    ("-rating", b64('{"r":0,"p":["1e999999",1]}')),
    ("-rating", b64('{"r":0,"p":[NaN,1]}')),
    ("-rating", b64('{"r":0,"p":[Infinity,1]}')),
    ("-rating", b64('{"r":0,"p":["NaN",1]}')),
    ("-rating", b64('{"r":0,"p":["x",1]}')),
    ("price_cents", b64('{"r":0,"p":[' + "9" * 30 + ",1]}")),
    ("price_cents", "%00"),
    ("price_cents", "é"),
]


@pytest.mark.parametrize("ordering, cursor", KEYSET_CURSORS)
def test_a_crafted_listing_cursor_is_400_invalid_cursor(ordering, cursor):
    ListingFactory()

    response = client_for().get(f"/api/v1/listings/?ordering={ordering}&cursor={cursor}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"invalid_cursor", "invalid"}  # %00: the text rule
    assert list(response.json()["error"]["fields"]) == ["cursor"]


def test_a_crafted_relevance_cursor_too():
    ListingFactory(title="Piscine et jardin")

    for rank in ["1e999999", '"abc"', "NaN", "[1]"]:
        cursor = b64(f'{{"r":0,"p":[{rank},1]}}')
        response = client_for().get(f"/api/v1/listings/?q=piscine&cursor={cursor}")
        error(response, 400, "invalid_cursor")


def test_a_tiny_decimal_in_a_cursor_is_read_at_the_column_s_scale():
    ListingFactory()
    cursor = b64('{"r":0,"p":["1e-999999999",1]}')  # beyond numeric's scale as it is

    response = client_for().get(f"/api/v1/listings/?ordering=-rating&cursor={cursor}")

    assert response.status_code == 200, response.json()


def test_a_decimal_cursor_is_read_back_exactly():
    """A genuine -rating cursor still pages: the checks keep every value we hand out."""
    for _ in range(3):
        ReviewFactory()
    client = client_for()

    first = client.get("/api/v1/listings/?ordering=-rating&page_size=2").json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 1


def drf_cursor(**fields) -> str:
    return b64(urlencode(fields))


DRF_CURSORS = [
    drf_cursor(o=0, r=0, p="9999-12-31T23:59:59-23:59"),  # past year 9999 in UTC
    drf_cursor(o=0, r=0, p="9999-12-31 23:59:59+00:00x"),
    drf_cursor(o=0, r=0, p="2026-13-01T00:00:00+00:00"),
    drf_cursor(o=0, r=0, p="2026-01-01T00:00:00"),
    drf_cursor(o=0, r=0, p="1e999999"),
    drf_cursor(o="1e5", r=0),
    drf_cursor(o=0, r="x"),
    drf_cursor(o="9" * 5_000, r=0),
    "not-base64!",
    b64("\xff\xfe"),
    "A" * 1_001,
]


@pytest.mark.parametrize("cursor", DRF_CURSORS)
@pytest.mark.parametrize("url", ["/api/v1/bookings/", "/api/v1/messages/", "/api/v1/reviews/"])
def test_a_crafted_drf_cursor_is_400_invalid_cursor(url, cursor):
    review = ReviewFactory()
    MessageFactory(recipient=review.booking.guest)

    response = client_for(review.booking.guest).get(f"{url}?cursor={quote(cursor)}")

    assert list(error(response, 400, "invalid_cursor")) == ["cursor"]


def test_drf_cursors_we_hand_out_still_page():
    guest = UserFactory()
    for _ in range(3):
        BookingFactory(guest=guest)
    client = client_for(guest)

    first = client.get("/api/v1/bookings/?page_size=2").json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()

    assert len(second["results"]) == 1
    assert [b["id"] for b in back["results"]] == [b["id"] for b in first["results"]]


# --- lists in bodies ------------------------------------------------------------------------


def test_100000_amenities_are_refused_at_once():
    owner = UserFactory(owner=True)
    listing = ListingFactory(owner=owner)
    amenity = AmenityFactory()
    body = json.dumps({"amenities": [amenity.pk] * 100_000})
    client = client_for(owner)

    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = send(client, "patch", f"/api/v1/listings/{listing.pk}/", body)
    elapsed = time.perf_counter() - start

    fields = error(response, 400, "invalid")
    assert list(fields) == ["amenities"] and str(MAX_AMENITIES) in fields["amenities"][0]
    assert not [q for q in queries if "amenities" in q["sql"]]  # no item was looked up
    assert elapsed < 5, elapsed  # measured ~0.1 s; the bound only catches a per-item cost


def test_duplicates_are_removed_and_unknown_ids_named():
    owner = UserFactory(owner=True)
    listing = ListingFactory(owner=owner)
    wifi, pool, tag = AmenityFactory(), AmenityFactory(), TagFactory()
    client = client_for(owner)
    url = f"/api/v1/listings/{listing.pk}/"

    changed = client.patch(
        url,
        {
            "amenities": [pool.pk, wifi.pk, pool.pk, wifi.pk],
            "tags": [tag.pk, tag.pk],
            "photos": ["https://x.test/a.jpg", "https://x.test/a.jpg", "https://x.test/b.jpg"],
        },
        format="json",
    )
    unknown = client.patch(url, {"amenities": [wifi.pk, 2**62, 2**62 + 1]}, format="json")

    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert sorted(a["id"] for a in body["amenities"]) == sorted([wifi.pk, pool.pk])
    assert [t["id"] for t in body["tags"]] == [tag.pk]
    assert body["photos"] == ["https://x.test/a.jpg", "https://x.test/b.jpg"]
    fields = error(unknown, 400, "invalid")
    assert f"{2**62}, {2**62 + 1}" in fields["amenities"][0]


def _patch_queries(client, url, body) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.patch(url, body, format="json")
    assert response.status_code == 200, response.json()
    return len(queries)


def test_the_database_work_of_a_change_does_not_grow_with_its_lists():
    owner = UserFactory(owner=True)
    listing = ListingFactory(owner=owner)
    amenities = AmenityFactory.create_batch(MAX_AMENITIES)
    tags = TagFactory.create_batch(MAX_TAGS)
    url = f"/api/v1/listings/{listing.pk}/"
    client = client_for(owner)

    def body(amenity_count, tag_count, photo_count):
        return {
            "amenities": [a.pk for a in amenities[:amenity_count]],
            "tags": [t.pk for t in tags[:tag_count]],
            "photos": [f"https://x.test/{n}.jpg" for n in range(photo_count)],
        }

    _patch_queries(client, url, body(0, 0, 0))  # start from empty sets
    small = _patch_queries(client, url, body(1, 1, 1))
    _patch_queries(client, url, body(0, 0, 0))
    largest = _patch_queries(client, url, body(MAX_AMENITIES, MAX_TAGS, MAX_PHOTOS))
    over = client.patch(url, body(MAX_AMENITIES, MAX_TAGS, MAX_PHOTOS + 1), format="json")

    assert largest == small
    assert list(error(over, 400, "invalid")) == ["photos"]


@pytest.mark.parametrize(
    "url, field, limit",
    [("/api/v1/messages/", "attachments", 10), ("/api/v1/reviews/", "photos", 20)],
)
def test_other_lists_are_bounded_before_their_items_are_checked(url, field, limit):
    response = client_for(UserFactory()).post(url, {field: ["not a url"] * 50_000}, format="json")

    fields = error(response, 400, "invalid")
    assert fields[field] == [f"Ensure this field has no more than {limit} elements."]


# --- found by the route walk (tests/core/test_hostile_input.py) -----------------------------


@pytest.mark.parametrize(
    "page",
    [
        "listings/listing/add/?owner=abc&category=1e5",
        "messaging/message/add/?created_at=abc&sender=-1",
        "bookings/booking/add/?listing=%20&check_in=abc",
        "listings/category/add/?parent=abc",
        "reviews/review/?rating=abc",
        "reviews/review/?rating=9",
        "core/auditlog/?user=abc",
        "core/auditlog/?user=99999999999999999999",
    ],
)
def test_the_admin_reads_hostile_query_values_without_a_500(page):
    client = client_for(UserFactory(staff=True, is_superuser=True))

    response = client.get(f"/{settings.ADMIN_URL}{page}")

    assert response.status_code in (200, 302), response.status_code  # 302: the list's ?e=1


def test_a_refused_format_on_an_html_page_with_a_token_is_a_404_not_a_500():
    user = UserFactory()
    token = client_for().post(
        "/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    client = Client(headers={"Authorization": f"Bearer {token.json()['key']}"})

    response = client.get("/api/docs/?format=abc")

    assert response.status_code == 404


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("price_cents", "5", 5), ("price_cents", 5, 5), ("id", str(2**63 - 1), 2**63 - 1),
        ("rating_avg", "4.50", Decimal("4.50")), ("title", "Paris", "Paris"),
    ],
)  # fmt: skip
def test_cursor_values_we_hand_out_are_read_back(name, value, expected):
    assert cursor_value(Listing.objects.all(), name, value) == expected


@pytest.mark.parametrize(
    "name, value",
    [
        ("price_cents", "٣"), ("beds", str(2**15)), ("price_cents", "5.0"),
        ("price_cents", 5.0), ("id", str(2**63)), ("id", "-"), ("rating_avg", "1e3"),
        ("title", "a\x00"), ("title", 5), ("created_at", "9999-12-31T23:59:59-23:59"),
        ("owner", "abc"),
    ],
)  # fmt: skip
def test_cursor_values_out_of_their_column_are_refused(name, value):
    with pytest.raises(InvalidCursor):
        cursor_value(Listing.objects.all(), name, value)


def test_an_array_column_is_never_a_cursor_value():
    # Listings' photos are rows now (listing_photos); a review's photos are still an array.
    with pytest.raises(InvalidCursor):
        cursor_value(Review.objects.all(), "photos", "[]")
