"""Every operation of /api/schema/ is what a client generator turns into a readable, working
client: a resource tag from a fixed list (one module group each), an operationId without the
version, every parameter described, JSON-only request bodies, named enum members, decimals as
numbers. A new endpoint that misses one fails here, by name."""

import re

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
TAGS = {
    "auth", "users", "listings", "bookings", "reviews", "messages", "notifications", "wishlists",
    "reference",
}  # fmt: skip
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/?format=json").json()


def operations(schema: dict):
    for path, items in schema["paths"].items():
        for method, operation in items.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_operation_has_one_resource_tag_and_a_clean_unique_operation_id(schema):
    found = dict(operations(schema))
    assert len(found) >= 40, sorted(found)

    untagged = {name: op.get("tags") for name, op in found.items() if len(op.get("tags", [])) != 1}
    unknown = {name: op["tags"] for name, op in found.items() if not set(op["tags"]) <= TAGS}
    ids = [op["operationId"] for op in found.values()]
    unclean = [i for i in ids if "v1" in i or not re.fullmatch(r"[a-z][a-z0-9_]*", i)]

    assert (untagged, unknown, unclean) == ({}, {}, [])
    assert len(set(ids)) == len(ids)
    assert {tag["name"] for tag in schema["tags"]} == TAGS  # each described, in one place
    assert {op["operationId"] for op in found.values()} >= {
        "listings_list",
        "bookings_confirm",
        "auth_register",
        "auth_login",
        "reviews_create",
        "messages_create",
    }


def test_every_parameter_is_described_for_people_and_generators(schema):
    undescribed = [
        f"{name} {parameter['name']}"
        for name, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
        # generators read a parameter's description from its schema
        or ("$ref" not in parameter["schema"] and not parameter["schema"].get("description"))
    ]

    assert undescribed == []
    search = {p["name"]: p for p in schema["paths"]["/api/v1/listings/"]["get"]["parameters"]}
    assert "cents" in search["min_price"]["description"]
    assert "min_lng,min_lat,max_lng,max_lat" in search["bbox"]["description"]


def test_every_request_body_is_json_only_but_the_photo_upload(schema):
    bodies = {
        name: sorted(operation["requestBody"]["content"])
        for name, operation in operations(schema)
        if "requestBody" in operation
    }

    assert len(bodies) >= 10
    # The one file upload is multipart only (apps/core/api/parsers.py, UploadParser).
    assert {name: types for name, types in bodies.items() if types != ["application/json"]} == {
        "POST /api/v1/listings/{id}/photos/": ["multipart/form-data"]
    }


def test_string_enums_name_their_members(schema):
    ordering = next(
        p for p in schema["paths"]["/api/v1/listings/"]["get"]["parameters"]
        if p["name"] == "ordering"
    )["schema"]  # fmt: skip
    named = dict(zip(ordering["enum"], ordering["x-enum-varnames"], strict=True))
    assert named["-created_at"] == "CREATED_AT_DESC" and named["price_cents"] == "PRICE_CENTS"

    nameless = []
    stack = [("", schema)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            values = node.get("enum")
            if values and all(isinstance(v, str) for v in values):
                if len(node.get("x-enum-varnames", [])) != len(values):
                    nameless.append(where)
            stack.extend((f"{where}/{key}", value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((f"{where}/{i}", value) for i, value in enumerate(node))
    assert nameless == []


def test_coordinates_area_and_ratings_are_numbers_and_money_is_integer_cents(schema):
    components = schema["components"]["schemas"]
    types = {
        (name, field): components[name]["properties"][field]["type"]
        for name in ("ListingCard", "Listing", "ListingWrite")
        for field in ("latitude", "longitude", "area", "rating_avg", "price_cents")
        if field in components[name]["properties"]
    }

    assert {key for key, kind in types.items() if kind != "number"} == {
        ("ListingCard", "price_cents"),
        ("Listing", "price_cents"),
        ("ListingWrite", "price_cents"),
    }
    assert {kind for (_, field), kind in types.items() if field == "price_cents"} == {"integer"}
    assert len(types) == 13


def test_the_country_is_a_code_or_null_never_blank(schema):
    country = schema["components"]["schemas"]["PatchedUser"]["properties"]["country"]

    members = [m.get("$ref", "").rsplit("/", 1)[-1] for m in country.get("oneOf", [])]
    assert members == ["CountryEnum", "NullEnum"], country
    assert "BlankEnum" not in schema["components"]["schemas"]
