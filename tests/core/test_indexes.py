"""The indexes and constraints of docs/design.md exist in PostgreSQL, audit_logs is partitioned by
month, and the full-text index serves a search."""

import datetime as dt
import re

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.utils import timezone

from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from apps.listings.models import SEARCH_CONFIG, Listing
from tests.factories import UserFactory
from tests.factories.listings import listings_of

pytestmark = pytest.mark.django_db


def fetch(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def indexes(table: str) -> dict[str, str]:
    """{index name: what it indexes}, e.g. "USING btree (city, status)", from pg_indexes."""
    found = {}
    for name, definition in fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s",
        [table],
    ):
        found[name] = re.sub(r"^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ ", "", definition)
    return found


# Named by the models and migrations.
NAMED = [
    ("listings", "listings_status_idx", "USING btree (status)"),
    ("listings", "listings_is_active_idx", "USING btree (is_active)"),
    ("listings", "listings_created_at_idx", "USING btree (created_at)"),
    ("listings", "listings_status_active_idx", "USING btree (status, is_active)"),
    ("listings", "listings_city_status_idx", "USING btree (city, status)"),
    ("listings", "listings_price_beds_idx", "USING btree (price_cents, beds, baths)"),
    ("listings", "listings_status_created_idx", "USING btree (status, is_active, created_at)"),
    ("listings", "listings_city_price_idx", "USING btree (city, price_cents, beds)"),
    ("listings", "listings_lat_lng_idx", "USING btree (latitude, longitude)"),
    ("listings", "listings_title_hash_idx", "USING hash (title)"),
    (
        "listings",
        "listings_owner_published_idx",
        "USING btree (owner_id) WHERE ((status)::text = 'published'::text)",
    ),
    ("listings", "listings_search_gin_idx", "USING gin (search_vector)"),
    ("messages", "messages_is_read_idx", "USING btree (is_read)"),
    ("messages", "messages_created_at_idx", "USING btree (created_at)"),
    ("audit_logs", "audit_logs_table_record_idx", "USING btree (table_name, record_id)"),
    ("audit_logs", "audit_logs_user_idx", "USING btree (user_id)"),
    ("audit_logs", "audit_logs_timestamp_idx", 'USING btree ("timestamp")'),
    ("amenities", "amenities_category_idx", "USING btree (category)"),
    ("users", "users_email_ci_unique", "USING btree (email_key)"),
    ("users", "users_staff_email_idx", "USING btree (email) WHERE is_staff"),
    ("user_search", "user_search_email_trgm_idx", "USING gin (email_key gin_trgm_ops)"),
    ("user_search", "user_search_name_trgm_idx", "USING gin (name_key gin_trgm_ops)"),
    ("user_search", "user_search_email_prefix_idx", "USING btree (email_key text_pattern_ops)"),
    ("user_search", "user_search_name_prefix_idx", "USING btree (name_key text_pattern_ops)"),
    ("user_search", "user_search_recent_idx", "USING btree (created_at DESC, user_id DESC)"),
    ("listing_versions", "listing_versions_unique_version", "USING btree (listing_id, version)"),
]

# Created by Django for foreign keys, under generated names: found by what they index.
FOREIGN_KEYS = [
    ("listings", "owner_id"),
    ("messages", "sender_id"),
    ("messages", "recipient_id"),
    ("messages", "listing_id"),
    ("users", "tenant_id"),
]


@pytest.mark.parametrize(("table", "name", "definition"), NAMED, ids=[n for _, n, _ in NAMED])
def test_the_guides_named_indexes_exist(table, name, definition):
    assert indexes(table).get(name) == definition


@pytest.mark.parametrize(
    ("table", "column"), FOREIGN_KEYS, ids=[f"{t}.{c}" for t, c in FOREIGN_KEYS]
)
def test_foreign_keys_the_guide_filters_on_are_indexed(table, column):
    assert f"USING btree ({column})" in indexes(table).values()


@pytest.mark.parametrize(
    ("table", "name"),
    [
        ("users", "users_email_ci_unique"),
        ("listing_versions", "listing_versions_unique_version"),
        ("reviews", "reviews_booking_role_key"),
        ("review_replies", "review_replies_review_id_key"),
        ("listing_tags", "listing_tags_unique_pair"),
        ("listing_amenities", "listing_amenities_unique_pair"),
    ],
)
def test_uniqueness_is_backed_by_unique_indexes(table, name):
    [(is_unique,)] = fetch(
        "SELECT i.indisunique FROM pg_index i WHERE i.indexrelid = %s::regclass", [name]
    )
    assert is_unique


def test_the_calendar_carries_the_no_overlap_exclusion_constraints():
    constraints = dict(
        fetch(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'x' AND conrelid = 'calendar_entries'::regclass"
        )
    )

    assert constraints == {
        # Every entry, bookings and blocks alike.
        "calendar_entries_no_overlap": (
            "EXCLUDE USING gist (listing_id WITH =, daterange(start_date, end_date) WITH &&)"
        ),
        # Bookings with their preparation nights.
        "calendar_entries_preparation": (
            "EXCLUDE USING gist (listing_id WITH =, daterange(start_date, turnover_end) WITH &&)"
            " WHERE (((kind)::text = 'booking'::text))"
        ),
    }
    # The bookings' own constraint is gone: the calendar holds the one guarantee.
    assert fetch("SELECT 1 FROM pg_constraint WHERE conname = 'bookings_no_overlap'") == []


# --- audit_logs partitions -----------------------------------------------------------------


def partitions() -> dict[str, str]:
    """{partition name: its bounds} of audit_logs."""
    return dict(
        fetch(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_logs'::regclass"
        )
    )


def test_audit_logs_is_range_partitioned_on_its_timestamp_with_a_default_partition():
    [(kind, strategy, key, default)] = fetch(
        "SELECT c.relkind, p.partstrat, pg_get_partkeydef(c.oid), p.partdefid::regclass::text"
        " FROM pg_class c JOIN pg_partitioned_table p ON p.partrelid = c.oid"
        " WHERE c.oid = 'audit_logs'::regclass"
    )

    assert (kind, strategy, key) == ("p", "r", 'RANGE ("timestamp")')
    assert default == "audit_logs_default"
    assert partitions()["audit_logs_default"] == "DEFAULT"


def test_audit_logs_has_a_partition_for_this_month_and_the_next_two():
    month = timezone.now().date().replace(day=1)
    found = partitions()

    for _ in range(3):
        following = (month + dt.timedelta(days=32)).replace(day=1)
        assert found[f"audit_logs_{month:%Y_%m}"] == (
            f"FOR VALUES FROM ('{month} 00:00:00+00') TO ('{following} 00:00:00+00')"
        )
        month = following


def test_every_audit_logs_partition_has_the_parents_indexes():
    parent_indexes = fetch(
        "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indrelid = 'audit_logs'::regclass AND c.relkind = 'I'"
    )
    assert {name for name, _ in parent_indexes} >= {
        "audit_logs_pkey",
        "audit_logs_table_record_idx",
        "audit_logs_user_idx",
        "audit_logs_timestamp_idx",
    }
    # A partitioned index is valid only once every partition has its own copy attached.
    assert all(valid for _, valid in parent_indexes)
    attached = dict(
        fetch(
            "SELECT parent.relname, count(*) FROM pg_inherits i"
            " JOIN pg_class parent ON parent.oid = i.inhparent"
            " JOIN pg_index pi ON pi.indexrelid = parent.oid"
            " WHERE pi.indrelid = 'audit_logs'::regclass GROUP BY parent.relname"
        )
    )
    assert set(attached.values()) == {len(partitions())}


# --- the full-text index at work -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_full_text_index_serves_a_search():
    """Checked as the owner: under row-level security PostgreSQL evaluates the policies before
    `@@`, which is not LEAKPROOF, so it cannot use this index for the runtime role; the API's
    public search goes through the listing_search projection instead (its own test)."""
    words = ["maison", "studio", "loft", "villa", "chalet", "péniche", "cabane", "duplex"]
    with db_context(DbContext.system("tests")):
        listings_of(
            UserFactory(owner=True),
            2000,
            lambda i: {
                "title": f"{'Appartement' if i % 250 == 0 else words[i % len(words)]} n° {i}",
                "description": f"Séjour au calme, {words[(i * 3) % len(words)]} lumineux",
            },
        )
        flats = Listing.objects.filter(
            search_vector=SearchQuery("appartements", config=SEARCH_CONFIG, search_type="websearch")
        )
        assert flats.count() == 8  # French stemming: "appartements" finds "Appartement"

    with as_owner():
        with connection.cursor() as cursor:
            # What autovacuum would do: statistics, and the GIN pending list merged.
            cursor.execute("VACUUM ANALYZE listings")
        plan = flats.only("id").explain()
        raw_plan = "\n".join(
            line
            for (line,) in fetch(
                "EXPLAIN SELECT id FROM listings"
                " WHERE search_vector @@ websearch_to_tsquery('french', 'appartement')"
            )
        )

    assert "listings_search_gin_idx" in plan, plan
    assert "listings_search_gin_idx" in raw_plan, raw_plan
