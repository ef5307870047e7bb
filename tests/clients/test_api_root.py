"""GET /api/v1/ is the API's index, for anyone: each resource's absolute URL, every one of them
answering. The browsable API's "Api Root" link lands there. Redoc is not served (Swagger UI at
/api/docs/ is): /api/redoc/ is the API's JSON 404."""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.helpers import client_for, error

pytestmark = pytest.mark.django_db


def test_the_index_lists_every_resource_by_absolute_url_for_anyone():
    response = APIClient().get("/api/v1/")

    assert response.status_code == 200, response.content
    index = response.json()
    assert {"listings", "bookings", "reviews", "messages", "users_me", "auth_token"} <= set(index)
    assert all(url.startswith("http://testserver/") for url in index.values()), index

    owner = client_for(UserFactory(owner=True))
    statuses = {name: owner.get(url).status_code for name, url in index.items()}
    # auth_register, auth_email_verify and auth_token take POSTs only; everything else answers
    # a GET.
    post_only = ("auth_register", "auth_email_verify", "auth_token")
    assert statuses == {name: 405 if name in post_only else 200 for name in index}


def test_the_browsable_api_root_is_the_index():
    response = APIClient().get("/api/v1/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert b"Api Root" in response.content and b"/api/v1/listings/" in response.content


def test_redoc_is_not_served():
    error(APIClient().get("/api/redoc/"), 404, "not_found")
