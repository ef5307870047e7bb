"""A paginated response matches exactly one member of its schema's oneOf — the cursor page or
the page-number page — so a client can tell them apart. Checked on real responses of every
paginated operation of /api/schema/, in both modes, with a JSON Schema validator."""

import copy
import datetime as dt
import re

import jsonschema
import pytest
from rest_framework.test import APIClient

from apps.bookings.models import CalendarEntry
from apps.listings.models import Listing, ListingPriceOverride
from apps.notifications.services import notify
from tests.factories import (
    BookingFactory,
    ListingFactory,
    MessageFactory,
    ReviewFactory,
    UserFactory,
    WishlistFactory,
)
from tests.factories.wishlists import saved
from tests.helpers import client_for, list_operations, schema_node, token_for

pytestmark = pytest.mark.django_db
CURSOR, NUMBERED = "Cursor page", "Page-number page"


def to_json_schema(node):
    """OpenAPI 3.0's `nullable` as JSON Schema's null type, and its boolean
    `exclusiveMinimum`/`exclusiveMaximum` as JSON Schema's bounds (the rest is JSON Schema
    already)."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: to_json_schema(value) for key, value in node.items()}
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if isinstance(node.get(exclusive), bool):
            if node.pop(exclusive):
                node[exclusive] = node.pop(bound)
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture
def world():
    """One user who sees a row on every paginated list: owner of a listing (its versions, a
    review of it by a guest, a block of its calendar), guest of another host's listing (a
    booking and a review of that stay), recipient of a message and of a notification, keeper
    of a wishlist holding a listing."""
    user = UserFactory(owner=True)
    listing = ListingFactory(owner=user)
    ListingPriceOverride.objects.create(
        listing=listing, start_date=dt.date(2030, 1, 1), end_date=dt.date(2030, 1, 8),
        price_cents=9_000,
    )  # fmt: skip
    CalendarEntry.objects.create(
        listing=listing, tenant_id=listing.tenant_id, kind="block", start_date=dt.date(2030, 2, 1),
        end_date=dt.date(2030, 2, 3), turnover_end=dt.date(2030, 2, 3), created_by=user,
    )  # fmt: skip
    Listing.objects.filter(pk=listing.pk).update(title="A new title")  # a second version
    ReviewFactory(booking=BookingFactory(listing=listing, status="completed"))
    BookingFactory(guest=user)
    ReviewFactory(booking__guest=user)
    MessageFactory(recipient=user)
    token_for(user)  # a row on /auth/tokens/
    notify(recipient_id=user.pk, kind="booking_confirmed", event_key="world", data={})
    wishlist = WishlistFactory(owner=user)
    saved(wishlist, ListingFactory())
    # Paths whose {id} is not the listing's.
    ids = {"/api/v1/wishlists/{id}/listings/": wishlist.pk}
    return user, listing, ids


def test_every_paginated_response_matches_exactly_one_page_schema_in_both_modes(world):
    user, listing, ids = world
    schema = to_json_schema(APIClient().get("/api/schema/?format=json").json())
    operations = {path: body for path, body in list_operations(schema).items() if "oneOf" in body}
    assert len(operations) >= 7, list(operations)  # no list left unseen
    client = client_for(user)

    for path, body in operations.items():
        # Each member a component of its own (<Item>CursorPage, <Item>NumberedPage): the
        # names generated clients give their classes.
        members = [schema_node(schema, member) for member in body["oneOf"]]
        names = [member["$ref"].rsplit("/", 1)[-1] for member in body["oneOf"]]
        assert [name.removeprefix(item_name(schema, members[0])) for name in names] == [
            "CursorPage",
            "NumberedPage",
        ], path
        assert all(member["additionalProperties"] is False for member in members), path
        assert [set(member["required"]) for member in members] == [
            {"next", "next_cursor", "previous", "previous_cursor", "results"},
            {"count", "next", "previous", "results"},
        ], path
        url = re.sub(r"\{[^}]+\}", str(ids.get(path, listing.pk)), path)
        for query, expected in (("", CURSOR), ("?page=1&page_size=5", NUMBERED)):
            response = client.get(url + query)
            assert response.status_code == 200, (url + query, response.content)
            page = response.json()
            assert page["results"], f"{url}{query} returned no row to check"
            matching = [
                kind
                for kind, member in zip((CURSOR, NUMBERED), members, strict=True)
                if is_valid({**copy.deepcopy(member), "components": schema["components"]}, page)
            ]
            assert matching == [expected], (url + query, page)


def is_valid(member_schema: dict, instance) -> bool:
    validator = jsonschema.Draft202012Validator(member_schema)
    return not list(validator.iter_errors(instance))


def item_name(schema: dict, page: dict) -> str:
    return page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[-1]


def test_the_numbered_pages_count_is_documented_as_capped():
    schema = APIClient().get("/api/schema/?format=json").json()
    operations = {path: body for path, body in list_operations(schema).items() if "oneOf" in body}

    for path, body in operations.items():
        numbered = schema_node(schema, body["oneOf"][1])  # <Item>NumberedPage
        description = numbered["properties"]["count"]["description"]
        assert "10,000" in description and "lower bound" in description, (path, description)
