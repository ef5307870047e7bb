"""A price range compares prices in one currency: listings priced in another are left out,
never read as if their cents were euros (there is no conversion). Through the API, and in
listing_search itself as the app's role."""

import pytest

from apps.core.context import DbContext, db_context
from tests.db import execute
from tests.factories import ListingFactory
from tests.helpers import client_for, ids

pytestmark = pytest.mark.django_db
URL = "/api/v1/listings/"


@pytest.fixture
def priced():
    """The same 12,000 cents in three currencies, and a cheap listing in euros."""
    return {
        code: ListingFactory(price_cents=12_000, currency=code) for code in ("EUR", "USD", "CHF")
    } | {"cheap": ListingFactory(price_cents=5_000, currency="EUR")}


def test_a_price_range_without_currency_compares_euros_only(priced):
    client = client_for()

    assert ids(client.get(URL, {"max_price": 12_000, "ordering": "price_cents"})) == [
        priced["cheap"].pk,
        priced["EUR"].pk,
    ]
    assert ids(client.get(URL, {"min_price": 10_000})) == [priced["EUR"].pk]


def test_a_price_range_in_another_currency_matches_that_currency_only(priced):
    client = client_for()

    assert ids(client.get(URL, {"max_price": 12_000, "currency": "USD"})) == [priced["USD"].pk]
    assert ids(client.get(URL, {"min_price": 12_000, "currency": "CHF"})) == [priced["CHF"].pk]
    assert ids(client.get(URL, {"max_price": 11_999, "currency": "USD"})) == []


def test_currency_alone_filters_and_no_filter_keeps_every_currency(priced):
    client = client_for()

    assert ids(client.get(URL, {"currency": "CHF"})) == [priced["CHF"].pk]
    assert sorted(ids(client.get(URL))) == sorted(x.pk for x in priced.values())


def test_an_unknown_currency_is_a_400_naming_the_field():
    response = client_for().get(URL, {"max_price": 100, "currency": "XYZ"})

    assert response.status_code == 400
    assert "currency" in response.json()["error"]["fields"]


def test_the_projection_carries_each_listings_currency_for_the_app_role(priced):
    """Raw SQL as app_user in a visitor's context: the price range of the search, in SQL."""
    tenant = priced["EUR"].tenant_id
    with db_context(DbContext(tenant_id=tenant)):
        [(role,)] = execute("SELECT current_user")
        rows = execute(
            "SELECT listing_id FROM listing_search WHERE tenant_id = app_tenant_id()"
            " AND currency = %s AND price_cents <= %s ORDER BY listing_id",
            ["USD", 12_000],
        )

    assert role == "app_user"
    assert rows == [(priced["USD"].pk,)]
