"""Who may do what with listings: every endpoint, for an anonymous visitor, the listing's
owner, another owner, staff holding the listing permissions and staff holding none, on a
published listing and on a draft.

A listing the caller may not see (another owner's draft) answers 404, whatever they try; a
visible listing they may not change answers 403; an anonymous write answers 401. Staff see
every listing (row-level security), and change one only with the action's permission (the
services, tested directly in test_services.py)."""

import pytest
from rest_framework.test import APIClient

from apps.listings.models import Listing, ListingStatus
from tests.factories import ListingFactory, UserFactory
from tests.helpers import client_for, token_client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/listings/"
CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}

AVAILABILITY = "availability/?from=2031-01-01&to=2031-02-01"
# (method, path after /listings/{id}/, codes when published, codes when a draft); codes for
# (anonymous, owner, other, staff, bare staff)
DETAIL = [
    ("get", "", (200, 200, 200, 200, 200), (404, 200, 404, 200, 200)),
    ("patch", "", (401, 200, 403, 200, 403), (401, 200, 404, 200, 403)),
    ("delete", "", (401, 204, 403, 204, 403), (401, 204, 404, 204, 403)),
    # Publishing a published listing: 409 invalid_transition.
    ("post", "publish/", (401, 409, 403, 409, 403), (401, 200, 404, 200, 403)),
    ("post", "archive/", (401, 200, 403, 200, 403), (401, 200, 404, 200, 403)),
    ("get", "versions/", (401, 200, 403, 200, 403), (401, 200, 404, 200, 403)),
    ("get", AVAILABILITY, (200, 200, 200, 200, 200), (404, 200, 404, 200, 200)),
    ("get", "reviews/", (200, 200, 200, 200, 200), (404, 200, 404, 200, 200)),
]  # fmt: skip
CALLERS = ("anonymous", "owner", "other", "staff", "bare staff")
# What "staff" hold: each listing action's permission (apps/listings/services.py).
STAFF_PERMISSIONS = [
    "listings.moderate_listing",
    "listings.change_listing",
    "listings.view_listingversion",
]
BODIES = {"patch": {"beds": 3}}
CASES = [
    pytest.param(method, path, state, caller, codes[i], id=f"{method}-{path[:12]}-{state}-{caller}")
    for method, path, *by_state in DETAIL
    for state, codes in zip(("published", "draft"), by_state, strict=True)
    for i, caller in enumerate(CALLERS)
]  # fmt: skip


def caller_client(caller: str, listing: Listing) -> APIClient:
    user = {
        "anonymous": None,
        "owner": listing.owner,
        "other": UserFactory(owner=True),  # an owner too: only ownership matters
        "staff": UserFactory(staff=True, permissions=STAFF_PERMISSIONS),
        "bare staff": UserFactory(staff=True),  # is_staff alone changes nothing
    }[caller]
    return client_for(user)


def assert_error_shape(response, status):
    if status in CODES:
        error = response.json()["error"]
        assert error["code"] == CODES[status] and error["message"]
    if status == 409:
        assert response.json()["error"]["code"] == "invalid_transition"


@pytest.mark.parametrize(("method", "path", "state", "caller", "status"), CASES)
def test_detail_endpoints(method, path, state, caller, status):
    listing = ListingFactory(status=state)
    before = Listing.all_objects.values().get(pk=listing.pk)
    client = caller_client(caller, listing)

    response = getattr(client, method)(
        f"{URL}{listing.pk}/{path}", BODIES.get(method), format="json"
    )

    assert response.status_code == status, response.content
    assert_error_shape(response, status)
    if status >= 400:  # a refused request changes nothing
        assert Listing.all_objects.values().get(pk=listing.pk) == before


@pytest.mark.parametrize(
    ("caller", "status"),
    [("anonymous", 401), ("owner", 201), ("guest", 403), ("staff", 403)],
)
def test_only_owner_accounts_create_listings(caller, status):
    user = {
        "anonymous": None,
        "owner": UserFactory(owner=True),
        "guest": UserFactory(),
        "staff": UserFactory(staff=True),  # staff, but not an owner account
    }[caller]
    body = {"title": "Bright flat by the canal", "price_cents": 12_000, "beds": 2, "baths": 1}

    response = client_for(user).post(URL, body, format="json")

    assert response.status_code == status
    assert_error_shape(response, status)
    assert Listing.all_objects.filter(title=body["title"]).count() == (status == 201)


@pytest.mark.parametrize("caller", ["anonymous", "owner", "other", "staff"])
def test_search_and_reference_data_are_public(caller):
    listing = ListingFactory()
    client = caller_client(caller, listing)

    for path in (URL, "/api/v1/categories/", "/api/v1/amenities/", "/api/v1/tags/"):
        assert client.get(path).status_code == 200, path
    assert client.post("/api/v1/tags/", {"name": "x"}, format="json").status_code in (401, 405)


@pytest.mark.parametrize(("caller", "status"), [("anonymous", 401), ("owner", 200), ("staff", 200)])
def test_mine_needs_a_signed_in_caller(caller, status):
    listing = ListingFactory()

    response = caller_client(caller, listing).get(f"{URL}mine/")

    assert response.status_code == status
    assert_error_shape(response, status)


def test_an_unknown_id_is_a_404_like_an_invisible_one():
    response = client_for(UserFactory(owner=True)).patch(
        f"{URL}999999999/", {"beds": 1}, format="json"
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_token_authentication_reaches_postgresql_as_the_user():
    """Our TokenAuthentication resets the database context for the token's user: row-level
    security then shows the owner their draft and hides it from another token holder."""
    draft = ListingFactory(draft=True)
    intruder = UserFactory(owner=True)

    owner_client, intruder_client = token_client_for(draft.owner), token_client_for(intruder)
    assert intruder_client.get(f"{URL}{draft.pk}/").status_code == 404
    assert owner_client.get(f"{URL}{draft.pk}/").status_code == 200
    assert owner_client.patch(f"{URL}{draft.pk}/", {"beds": 5}, format="json").status_code == 200
    assert owner_client.post(f"{URL}{draft.pk}/publish/").json()["status"] == "published"
    response = intruder_client.patch(f"{URL}{draft.pk}/", {"beds": 1}, format="json")
    assert response.status_code == 403  # published now: visible, but not theirs
    assert Listing.objects.get(pk=draft.pk).beds == 5
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert bad.get(URL).status_code == 401  # a bad token is refused even on public endpoints


def test_a_soft_deleted_listing_is_gone_for_everyone_but_mine_with_deleted():
    listing = ListingFactory()
    owner = client_for(listing.owner)
    assert owner.delete(f"{URL}{listing.pk}/").status_code == 204

    for client in (owner, client_for(), client_for(UserFactory(owner=True))):
        assert client.get(f"{URL}{listing.pk}/").status_code == 404
        assert client.get(URL).json()["results"] == []
    assert owner.patch(f"{URL}{listing.pk}/", {"beds": 1}, format="json").status_code == 404
    assert owner.delete(f"{URL}{listing.pk}/").status_code == 404
    assert client_for(UserFactory(staff=True)).get(f"{URL}{listing.pk}/").status_code == 404
    assert Listing.all_objects.get(pk=listing.pk).status == ListingStatus.PUBLISHED
