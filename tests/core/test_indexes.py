"""The design guide's indexes exist in PostgreSQL, and the full-text index serves a search."""

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from apps.listings.models import SEARCH_CONFIG, Listing
from tests.factories import ListingFactory, UserFactory

pytestmark = pytest.mark.django_db


def index_definitions(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return [row[0] for row in cursor.fetchall()]


def has_index(table, expression):
    return any(expression in definition for definition in index_definitions(table))


@pytest.mark.parametrize(
    ("table", "expression"),
    [
        ("listings", "USING btree (owner_id)"),
        ("listings", "USING btree (status)"),
        ("listings", "USING btree (is_active)"),
        ("listings", "USING btree (created_at)"),
        ("listings", "USING btree (status, is_active)"),
        ("listings", "USING btree (city, status)"),
        ("listings", "USING btree (price_cents, beds, baths)"),
        ("listings", "USING btree (status, is_active, created_at)"),
        ("listings", "USING btree (city, price_cents, beds)"),
        ("listings", "USING btree (latitude, longitude)"),
        ("listings", "USING hash (title)"),
        ("listings", "USING btree (owner_id) WHERE ((status)::text = 'published'::text)"),
        ("listings", "USING gin (search_vector)"),
        ("listings", "UNIQUE INDEX listings_slug_key"),
        ("messages", "USING btree (sender_id)"),
        ("messages", "USING btree (recipient_id)"),
        ("messages", "USING btree (is_read)"),
        ("messages", "USING btree (created_at)"),
        ("messages", "USING btree (listing_id)"),
        ("audit_logs", "USING btree (table_name, record_id)"),
        ("audit_logs", "USING btree (user_id)"),
        ("audit_logs", 'USING btree ("timestamp")'),
        ("amenities", "USING btree (category)"),
        ("users", "USING btree (tenant_id)"),
        ("users", "UNIQUE INDEX users_email_ci_unique ON public.users USING btree (upper("),
        ("listing_versions", "UNIQUE INDEX listing_versions_unique_version"),
        ("reviews", "UNIQUE INDEX reviews_booking_id"),
        ("listing_tags", "(listing_id, tag_id)"),
        ("listing_amenities", "(listing_id, amenity_id)"),
    ],
)
def test_the_guides_indexes_exist(table, expression):
    assert has_index(table, expression), index_definitions(table)


def test_bookings_carry_the_no_overlap_exclusion_constraint():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = 'bookings_no_overlap'"
        )
        kind, definition = cursor.fetchone()
    assert kind == "x"
    assert "EXCLUDE USING gist (listing_id WITH =, daterange(check_in, check_out) WITH &&)" in (
        definition
    )


def test_audit_logs_is_partitioned_by_month_with_a_default_partition():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'audit_logs'")
        assert cursor.fetchone() == ("p",)
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'audit_logs'::regclass"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert "audit_logs_default" in names
    assert len(names) >= 4  # default + this month and the next ones


@pytest.mark.django_db(transaction=True)
def test_the_full_text_index_serves_a_search():
    """As the owner (no row-level security in the way: `@@` is not a leakproof operator, so
    under RLS PostgreSQL may not use this index for it — the API's public search goes through
    listing_search instead, see apps/listings/selectors.py)."""
    words = ["terrasse", "jardin", "cheminée", "balcon", "parking", "loft", "vue"]
    with db_context(DbContext.system("tests")):
        owner = UserFactory(owner=True)
        Listing.objects.bulk_create(
            ListingFactory.build(
                owner=owner,
                tenant=owner.tenant,
                title=f"Maison {'piscine' if i % 500 == 0 else words[i % len(words)]} n° {i}",
                description=f"Séjour {words[(i * 3) % len(words)]} au calme {i}",
            )
            for i in range(3000)
        )

    with as_owner():
        with connection.cursor() as cursor:
            # VACUUM also merges the GIN index's pending list, as autovacuum would.
            cursor.execute("VACUUM ANALYZE listings")
        plan = Listing.objects.filter(
            search_vector=SearchQuery("piscine", config=SEARCH_CONFIG, search_type="websearch")
        ).explain()

    assert "listings_search_gin_idx" in plan, plan
