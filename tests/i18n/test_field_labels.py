"""Model fields are labelled in the staff member's language (the admin's column headers, form
labels and help texts), and the listing search's validation messages in the caller's."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ListingFactory, UserFactory
from tests.helpers import client_for, error

pytestmark = pytest.mark.django_db

COLUMNS = {
    "fr": {"title": "Titre", "city": "Ville", "created_at": "Créé le"},
    "en": {"title": "Title", "city": "City", "created_at": "Created at"},
}
FORM = {
    "fr": ["Titre", "Prix (centimes)", "Voyageurs maximum", "Statut", "Surface habitable en m²."],
    "en": ["Title", "Price (cents)", "Maximum guests", "Status", "Living area in m²."],
}
FILTER = {"fr": "Par statut", "en": "By status"}
SEARCH = {
    "fr": ("Le tri par pertinence nécessite q.", "Doit être au moins égal à min_price."),
    "en": ("Ordering by relevance needs q.", "Must be at least min_price."),
}


def staff_page(language: str, url: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(UserFactory(staff=True, is_superuser=True))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Language"] == language
    return html.unescape(response.content.decode())


def column_header(page: str, field: str) -> str:
    """The text of the changelist's column header for `field`, tags stripped."""
    match = re.search(rf'<th scope="col"[^>]*class="[^"]*column-{field}\b[^"]*">(.*?)</th>',
                      page, re.S)  # fmt: skip
    assert match, f"no column {field}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_listing_changelist_heads_its_columns_in_the_staff_members_language(language):
    ListingFactory(city="Lyon")

    page = staff_page(language, reverse("admin:listings_listing_changelist"))

    for field, header in COLUMNS[language].items():
        assert column_header(page, field) == header
    assert FILTER[language] in page


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_listing_change_form_labels_its_fields_in_the_staff_members_language(language):
    listing = ListingFactory()

    page = staff_page(language, reverse("admin:listings_listing_change", args=[listing.pk]))

    for text in FORM[language]:
        assert text in page
    other = "en" if language == "fr" else "fr"
    assert [text for text in FORM[other] if text in page] == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_search_filters_explain_a_bad_query_in_the_callers_language(language):
    client = client_for()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    relevance, price = SEARCH[language]

    no_q = client.get("/api/v1/listings/?ordering=relevance")
    prices = client.get("/api/v1/listings/?min_price=500&max_price=100")

    assert error(no_q, 400, "invalid")["ordering"] == [relevance]
    assert error(prices, 400, "invalid")["max_price"] == [price]
    assert no_q["Content-Language"] == language
