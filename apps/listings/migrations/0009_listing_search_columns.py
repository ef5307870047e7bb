"""listing_search carries every column the public search filters and sorts on.

With only the search vector and the location in the projection, a broad full-text or
bounding-box search matched ~70,000 of a million listings, joined each to listings under
row-level security, then sorted them to keep 20 (4-6 s). Now a page is chosen entirely in
listing_search — filters, order and keyset cursor served by its own indexes, whatever the
depth — and only the page's listings are read, by primary key, under RLS.

The projection's columns are written in two places that must agree: listing_search_sync()
(the trigger, from its transition tables) and the view listing_search_source (backfills and
the bulk seeder).
"""

from importlib import import_module

import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from psycopg import sql

SQL = """
-- The point and its GiST index go: PostgreSQL estimates `point <@ box` at a fixed 0.1% of
-- the rows, so a city-wide box (12% of a million listings) was read through the GiST index
-- and sorted (460 ms) instead of walking the newest-first index (2 ms). Plain coordinates
-- have histograms, hence estimates the planner can choose by.
DROP INDEX listing_search_location_idx;
ALTER TABLE listing_search
    DROP COLUMN location,
    ADD COLUMN longitude float8,
    ADD COLUMN latitude float8,
    ADD COLUMN city varchar(100),
    ADD COLUMN price_cents bigint,
    ADD COLUMN beds smallint,
    ADD COLUMN baths smallint,
    ADD COLUMN max_guests smallint,
    ADD COLUMN category_id bigint,
    ADD COLUMN created_at timestamptz,
    ADD COLUMN rating_sort numeric(3, 2);

CREATE VIEW listing_search_source AS
SELECT id AS listing_id, tenant_id, search_vector, longitude::float8, latitude::float8,
       city, price_cents, beds, baths, max_guests, category_id, created_at,
       COALESCE(rating_avg, 0) AS rating_sort
FROM listings
WHERE status = 'published' AND is_active AND deleted_at IS NULL;

TRUNCATE listing_search;
INSERT INTO listing_search SELECT * FROM listing_search_source;
ALTER TABLE listing_search
    ALTER COLUMN price_cents SET NOT NULL,
    ALTER COLUMN beds SET NOT NULL,
    ALTER COLUMN baths SET NOT NULL,
    ALTER COLUMN max_guests SET NOT NULL,
    ALTER COLUMN created_at SET NOT NULL,
    ALTER COLUMN rating_sort SET NOT NULL;

-- One index per order, and the city (the most common filter) before each of its orders.
CREATE INDEX listing_search_recent_idx
    ON listing_search (tenant_id, created_at DESC, listing_id DESC);
CREATE INDEX listing_search_city_recent_idx
    ON listing_search (tenant_id, city, created_at DESC, listing_id DESC);
CREATE INDEX listing_search_city_price_idx
    ON listing_search (tenant_id, city, price_cents, listing_id);
CREATE INDEX listing_search_price_idx ON listing_search (tenant_id, price_cents, listing_id);
CREATE INDEX listing_search_rating_idx
    ON listing_search (tenant_id, rating_sort DESC, listing_id DESC);
CREATE INDEX listing_search_coordinates_idx ON listing_search (tenant_id, longitude, latitude);

"""

SYNC = """
CREATE OR REPLACE FUNCTION listing_search_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO listing_search
        SELECT n.id, n.tenant_id, n.search_vector, n.longitude::float8, n.latitude::float8,
               n.city, n.price_cents, n.beds, n.baths, n.max_guests, n.category_id,
               n.created_at, COALESCE(n.rating_avg, 0)
        FROM new_rows n
        WHERE n.status = 'published' AND n.is_active AND n.deleted_at IS NULL;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM listing_search s USING old_rows o WHERE s.listing_id = o.id;
    ELSE
        -- Rows leaving the public projection.
        DELETE FROM listing_search s
        USING new_rows n JOIN old_rows o ON o.id = n.id
        WHERE s.listing_id = n.id
          AND (o.status = 'published' AND o.is_active AND o.deleted_at IS NULL)
          AND NOT (n.status = 'published' AND n.is_active AND n.deleted_at IS NULL);
        -- Rows entering it, or whose projected columns changed; the others cost a join only.
        -- (One upsert: an UPDATE ... FROM the transition tables, which have no statistics,
        -- was planned as a nested loop and took minutes on 20,000 rows.)
        INSERT INTO listing_search
        SELECT n.id, n.tenant_id, n.search_vector, n.longitude::float8, n.latitude::float8,
               n.city, n.price_cents, n.beds, n.baths, n.max_guests, n.category_id,
               n.created_at, COALESCE(n.rating_avg, 0)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.status = 'published' AND n.is_active AND n.deleted_at IS NULL
          AND (NOT (o.status = 'published' AND o.is_active AND o.deleted_at IS NULL)
               OR (n.tenant_id, n.latitude, n.longitude, n.city, n.price_cents, n.beds,
                   n.baths, n.max_guests, n.category_id, n.created_at, n.rating_avg)
                  IS DISTINCT FROM
                  (o.tenant_id, o.latitude, o.longitude, o.city, o.price_cents, o.beds,
                   o.baths, o.max_guests, o.category_id, o.created_at, o.rating_avg)
               OR n.search_vector IS DISTINCT FROM o.search_vector)
        ON CONFLICT (listing_id) DO UPDATE
            SET tenant_id = EXCLUDED.tenant_id,
                search_vector = EXCLUDED.search_vector,
                longitude = EXCLUDED.longitude,
                latitude = EXCLUDED.latitude,
                city = EXCLUDED.city,
                price_cents = EXCLUDED.price_cents,
                beds = EXCLUDED.beds,
                baths = EXCLUDED.baths,
                max_guests = EXCLUDED.max_guests,
                category_id = EXCLUDED.category_id,
                created_at = EXCLUDED.created_at,
                rating_sort = EXCLUDED.rating_sort;
    END IF;
    RETURN NULL;
END;
$$;
"""

REVERSE = (
    """
DROP VIEW listing_search_source;
DROP INDEX listing_search_recent_idx, listing_search_city_recent_idx,
    listing_search_city_price_idx, listing_search_price_idx, listing_search_rating_idx,
    listing_search_coordinates_idx;
ALTER TABLE listing_search
    ADD COLUMN location point,
    DROP COLUMN city, DROP COLUMN price_cents, DROP COLUMN beds, DROP COLUMN baths,
    DROP COLUMN max_guests, DROP COLUMN category_id, DROP COLUMN created_at,
    DROP COLUMN rating_sort;
UPDATE listing_search SET location = point(longitude, latitude) WHERE longitude IS NOT NULL;
ALTER TABLE listing_search DROP COLUMN longitude, DROP COLUMN latitude;
CREATE INDEX listing_search_location_idx ON listing_search USING gist (location);
"""
    + import_module("apps.listings.migrations.0007_listing_search_sync_changed_rows").SYNC
)


def source_private(apps, schema_editor):
    # The view reads listings as its owner (no RLS): never the app's to query.
    with schema_editor.connection.cursor() as cursor:
        role = sql.Identifier(settings.DATABASE_APP_ROLE)
        cursor.execute(sql.SQL("REVOKE ALL ON listing_search_source FROM {}").format(role))


class Migration(migrations.Migration):
    dependencies = [("listings", "0008_category_cycle_serialised")]

    operations = [
        migrations.RunSQL(SQL + SYNC, REVERSE),
        migrations.RunPython(source_private, migrations.RunPython.noop),
        migrations.CreateModel(
            name="ListingSearch",
            fields=[
                (
                    "listing",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="listings.listing",
                    ),
                ),
                ("tenant_id", models.BigIntegerField()),
                ("search_vector", django.contrib.postgres.search.SearchVectorField()),
                ("longitude", models.FloatField(null=True)),
                ("latitude", models.FloatField(null=True)),
                ("city", models.CharField(max_length=100, null=True)),
                ("price_cents", models.BigIntegerField()),
                ("beds", models.SmallIntegerField()),
                ("baths", models.SmallIntegerField()),
                ("max_guests", models.SmallIntegerField()),
                ("category_id", models.BigIntegerField(null=True)),
                ("created_at", models.DateTimeField()),
                ("rating_sort", models.DecimalField(decimal_places=2, max_digits=3)),
            ],
            options={"db_table": "listing_search", "managed": False},
        ),
    ]
