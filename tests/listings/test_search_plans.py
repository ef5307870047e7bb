"""The public search is served by indexes, under row-level security, on a table large enough
for the planner to prefer them (plans are checked, not timed)."""

import pytest
from django.core.management import call_command
from django.db import connection

from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from apps.listings.models import Listing
from apps.listings.selectors import listing_search
from tests.factories import ListingFactory, UserFactory

CITIES = ["Paris", "Lyon", "Nice", "Lille", "Nantes", "Rennes", "Brest", "Dijon", "Metz", "Pau"]


@pytest.fixture
def many_listings():
    with db_context(DbContext.system("tests")):
        owner = UserFactory(owner=True)
        Listing.objects.bulk_create(
            ListingFactory.build(
                owner=owner,
                tenant=owner.tenant,
                city=CITIES[i % len(CITIES)],
                price_cents=5_000 + (i * 37) % 50_000,
                title=f"Maison {'piscine' if i % 700 == 0 else 'jardin'} numéro {i}",
                latitude=f"{43 + (i % 500) / 100:.8f}",
                longitude=f"{1 + (i % 700) / 100:.8f}",
            )
            for i in range(6000)
        )
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE listings")
        cursor.execute("VACUUM ANALYZE listing_search")
    return owner


@pytest.mark.django_db(transaction=True)
def test_main_search_uses_the_city_price_index(many_listings):
    with db_context(DbContext(tenant_id=many_listings.tenant_id)):
        text = listing_search(city="Paris", min_price=8_000, max_price=9_000, guests=2).explain()
    assert "listings_city_price_idx" in text, text


@pytest.mark.django_db(transaction=True)
def test_full_text_and_bbox_use_the_search_projection_indexes(many_listings):
    with db_context(DbContext(tenant_id=many_listings.tenant_id)):
        text_q = listing_search(q="piscine").explain()
        text_bbox = listing_search(bbox=(1.0, 43.0, 1.05, 43.05)).explain()
    assert "listing_search_vector_idx" in text_q, text_q
    assert "listing_search_location_idx" in text_bbox, text_bbox


@pytest.mark.django_db
def test_the_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
