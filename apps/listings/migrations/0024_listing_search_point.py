"""listing_search carries each listing's point on the globe, for the search around a point
(`lat`, `lng`, `radius_km`, `ordering=distance`).

- `cube`, from PostgreSQL's contrib: a trusted extension (the database owner may create it,
  as btree_gist), with GiST operator classes for `<@` (inside a box) and `<->` (Euclidean
  distance, which a GiST index serves as nearest-first order). earthdistance, which builds on
  it, is not: only a superuser may create it, not the owner role that migrates a production
  database (docs/security.md). Its SQL functions also resolve earth() and cube() through the
  search_path when they run, which pg_restore empties: an index or generated column calling
  ll_to_earth() fails to restore. So the one function needed is ours, with a SQL-standard
  body, resolved when it is created.
- listing_search_point(latitude, longitude): the point as an (x, y, z) cube in metres on a
  sphere of the Earth's mean radius. The straight-line distance between two points (the
  chord, `<->`) grows with the great-circle distance: nearest by one is nearest by the other,
  and a radius is a chord of 2R sin(d / 2R) (apps/listings/selectors.py converts).
- listing_search.point (NULL without coordinates), written as the other columns are: by
  listing_search_sync() and the view listing_search_source. It is filled by being added as a
  generated column, whose expression is then dropped: one rewrite of the table and its
  indexes, rather than an update of every row (and a stored value, which a restore copies
  rather than computes).
- listing_search_point_idx: a GiST index on (tenant_id, point) (btree_gist for the tenant):
  the search nearest first reads the nearest rows inside the radius's box, whatever the size
  of the table. Only that order uses it: PostgreSQL estimates `<@` at a fixed 0.1% of the
  rows, the mistake that had a city-wide box read through a GiST index (migration 0009), so
  the other orders filter a radius with the plain coordinates' ranges, as the bounding box
  does, and the exact distance.
"""

from importlib import import_module

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS cube;

CREATE FUNCTION listing_search_point(latitude float8, longitude float8) RETURNS cube
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN cube(ARRAY[
        6371008.8 * cos(radians(latitude)) * cos(radians(longitude)),
        6371008.8 * cos(radians(latitude)) * sin(radians(longitude)),
        6371008.8 * sin(radians(latitude))
    ]);
COMMENT ON FUNCTION listing_search_point(latitude float8, longitude float8) IS
    'A latitude and longitude (degrees) as an (x, y, z) point in metres on a sphere of the '
    'Earth''s mean radius: the search''s distances are chords between such points.';

ALTER TABLE listing_search
    ADD COLUMN point cube GENERATED ALWAYS AS (listing_search_point(latitude, longitude)) STORED;
ALTER TABLE listing_search ALTER COLUMN point DROP EXPRESSION;
COMMENT ON COLUMN listing_search.point IS
    'The listing''s point (listing_search_point), for the search around a point.';
CREATE INDEX listing_search_point_idx ON listing_search USING gist (tenant_id, point);
COMMENT ON INDEX listing_search_point_idx IS
    'The search around a point, nearest first: the nearest rows inside the radius''s box.';
ANALYZE listing_search;
"""

# New columns go last, in the table's order: `INSERT INTO listing_search SELECT * FROM
# listing_search_source` (seed --scale, backfills) relies on it.
VIEW = """
CREATE OR REPLACE VIEW listing_search_source AS
SELECT id AS listing_id, tenant_id, search_vector, longitude::float8, latitude::float8,
       city, price_cents, beds, baths, max_guests, category_id, created_at,
       COALESCE(rating_avg, 0) AS rating_sort, currency,
       min_nights, max_nights, advance_notice_days, booking_window_days,
       listing_search_point(latitude::float8, longitude::float8) AS point
FROM listings
WHERE status = 'published' AND is_active AND deleted_at IS NULL;
COMMENT ON VIEW listing_search_source IS
    'What listing_search should hold: the search columns of published, active listings.';
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
               n.created_at, COALESCE(n.rating_avg, 0), n.currency,
               n.min_nights, n.max_nights, n.advance_notice_days, n.booking_window_days,
               listing_search_point(n.latitude::float8, n.longitude::float8)
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
               n.created_at, COALESCE(n.rating_avg, 0), n.currency,
               n.min_nights, n.max_nights, n.advance_notice_days, n.booking_window_days,
               listing_search_point(n.latitude::float8, n.longitude::float8)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.status = 'published' AND n.is_active AND n.deleted_at IS NULL
          AND (NOT (o.status = 'published' AND o.is_active AND o.deleted_at IS NULL)
               OR (n.tenant_id, n.latitude, n.longitude, n.city, n.price_cents, n.beds,
                   n.baths, n.max_guests, n.category_id, n.created_at, n.rating_avg,
                   n.currency, n.min_nights, n.max_nights, n.advance_notice_days,
                   n.booking_window_days)
                  IS DISTINCT FROM
                  (o.tenant_id, o.latitude, o.longitude, o.city, o.price_cents, o.beds,
                   o.baths, o.max_guests, o.category_id, o.created_at, o.rating_avg,
                   o.currency, o.min_nights, o.max_nights, o.advance_notice_days,
                   o.booking_window_days)
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
                rating_sort = EXCLUDED.rating_sort,
                currency = EXCLUDED.currency,
                min_nights = EXCLUDED.min_nights,
                max_nights = EXCLUDED.max_nights,
                advance_notice_days = EXCLUDED.advance_notice_days,
                booking_window_days = EXCLUDED.booking_window_days,
                point = EXCLUDED.point;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION listing_search_sync() IS
    'Keeps listing_search, the published listings'' search projection, in step with listings.';
"""

_PREVIOUS = import_module("apps.listings.migrations.0023_listing_search_stay_rules")

# A view loses columns only by being dropped: the view of 0023 is created again.
REVERSE = [
    _PREVIOUS.SYNC,
    "DROP VIEW listing_search_source;",
    "DROP INDEX listing_search_point_idx;",
    "ALTER TABLE listing_search DROP COLUMN point;",
    "DROP FUNCTION listing_search_point(float8, float8);",
    _PREVIOUS.VIEW.replace("CREATE OR REPLACE VIEW", "CREATE VIEW"),
]


# The view must stay the owner's only (0023).
source_private = _PREVIOUS.source_private


class Migration(migrations.Migration):
    dependencies = [("listings", "0023_listing_search_stay_rules")]

    operations = [
        # Reversed, operations run last to first: this one revokes after the view of 0023 is
        # created again.
        migrations.RunPython(migrations.RunPython.noop, source_private),
        migrations.RunSQL([FORWARD, VIEW, SYNC], REVERSE),
        migrations.RunPython(source_private, migrations.RunPython.noop),
    ]
