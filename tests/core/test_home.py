"""`/`: a small page pointing to the API's documentation and the admin."""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from tests.core.test_content_security_policy import assert_strict
from tests.core.test_hostile_input import discover_routes

pytestmark = pytest.mark.django_db


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href"))


def test_the_front_page_points_to_the_api_docs_and_the_admin_under_the_strict_policy():
    response = Client().get("/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_strict(response)  # no inline style or script at all
    links = Links()
    links.feed(response.content.decode())
    assert {reverse("api-docs"), reverse("admin:index")} <= set(links.hrefs)
    for href in links.hrefs:
        assert Client().get(href).status_code in (200, 302), href  # the admin: its login


def test_the_front_page_only_answers_reads():
    client = Client()

    assert client.head("/").status_code == 200
    assert client.post("/").status_code == 405


def test_the_route_walk_sees_the_front_page():
    assert "home" in {route.name for route in discover_routes()}
