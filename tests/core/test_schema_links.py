"""The schema links what creates or lists a resource to the operations on one of them, with
the id the first response returned (apps.core.api.schema.add_links)."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def links_of(schema, method: str, path: str, status: str) -> dict:
    return schema["paths"][path][method]["responses"][status].get("links", {})


def test_creating_or_listing_links_to_every_operation_on_the_resource():
    schema = APIClient().get("/api/schema/?format=json").json()
    on_a_booking = {
        operation["operationId"]
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/bookings/{id}/")
        for operation in operations.values()
    }

    created = links_of(schema, "post", "/api/v1/bookings/", "201")
    listed = links_of(schema, "get", "/api/v1/bookings/", "200")

    assert set(created) == set(listed) == on_a_booking and len(on_a_booking) == 5  # + preview
    assert {link["parameters"]["id"] for link in created.values()} == {"$response.body#/id"}
    assert {link["parameters"]["id"] for link in listed.values()} == {
        "$response.body#/results/0/id"
    }
    # /listings/mine/ lists listings: it links to /listings/{id}/...
    assert "listings_publish" in links_of(schema, "get", "/api/v1/listings/mine/", "200")
    # Nothing to link from a response without an id, nor to a resource without {id}/.
    assert links_of(schema, "post", "/api/v1/auth/register/", "202") == {}
