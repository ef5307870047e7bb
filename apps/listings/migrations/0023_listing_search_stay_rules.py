"""listing_search carries the host's stay rules, so that a search with dates returns only the
listings that take that stay.

A dated search used to leave out only the listings whose calendar is taken; a listing whose
rules refuse the stay (a 2-night stay where 7 are the minimum, a check-in tomorrow where 3
days' notice are needed, a check-in beyond the booking window) was still returned, and its
booking then refused. The rules of listings.0022 — min_nights, max_nights,
advance_notice_days, booking_window_days — are projected as bare columns, which the search
compares with constants of the request (the stay's nights, its check-in's distance from
CURRENT_DATE): no row-level security on listing_search, no function of a column, so the
planner reads their statistics and checks them while walking the order's index, before the
per-row calendar lookup (listing_unavailable_ranges). preparation_days needs no column: the
calendar lookup reads it.

Two indexes, (tenant_id, max_nights) and (tenant_id, booking_window_days), for the stays
that almost no listing takes: longer than every listing's maximum, or further ahead than every
booking window — every stay over 90 nights or over 365 days ahead right after 0022, which gave
each listing those defaults. Without them such a search walks the whole tenant for an empty
page (300,000 listings, as app_user: 170-260 ms, a sequential scan); with them, 0.02-0.13 ms.
Stays most listings take still walk the order's index, the rules a filter on the way (0.5-1 ms
for the first page, as before). min_nights and advance_notice_days get none: their defaults
(1, 0) take every stay, and no search can ask for less.

The columns come with the defaults of listings.0022 (no table rewrite) and only the rows
whose listing has other rules are updated; the defaults are then dropped, so that the trigger
and listing_search_source remain the only writers of the values.
"""

from importlib import import_module

from django.conf import settings
from django.db import migrations, models
from psycopg import sql

PROJECTION = """
ALTER TABLE listing_search
    ADD COLUMN min_nights smallint NOT NULL DEFAULT 1,
    ADD COLUMN max_nights smallint NOT NULL DEFAULT 90,
    ADD COLUMN advance_notice_days smallint NOT NULL DEFAULT 0,
    ADD COLUMN booking_window_days smallint NOT NULL DEFAULT 365;
-- Built before the rows are updated: an index built over HOT chains that the update broke is
-- not used until every older transaction has ended (pg_index.indcheckxmin).
CREATE INDEX listing_search_max_nights_idx ON listing_search (tenant_id, max_nights);
CREATE INDEX listing_search_window_idx ON listing_search (tenant_id, booking_window_days);
UPDATE listing_search s
SET min_nights = l.min_nights,
    max_nights = l.max_nights,
    advance_notice_days = l.advance_notice_days,
    booking_window_days = l.booking_window_days
FROM listings l
WHERE l.id = s.listing_id
  AND (l.min_nights, l.max_nights, l.advance_notice_days, l.booking_window_days)
      IS DISTINCT FROM
      (s.min_nights, s.max_nights, s.advance_notice_days, s.booking_window_days);
ALTER TABLE listing_search
    ALTER COLUMN min_nights DROP DEFAULT,
    ALTER COLUMN max_nights DROP DEFAULT,
    ALTER COLUMN advance_notice_days DROP DEFAULT,
    ALTER COLUMN booking_window_days DROP DEFAULT;
ANALYZE listing_search;
"""

# New columns go last, in the table's order: `INSERT INTO listing_search SELECT * FROM
# listing_search_source` (seed --scale, backfills) relies on it.
VIEW = """
CREATE OR REPLACE VIEW listing_search_source AS
SELECT id AS listing_id, tenant_id, search_vector, longitude::float8, latitude::float8,
       city, price_cents, beds, baths, max_guests, category_id, created_at,
       COALESCE(rating_avg, 0) AS rating_sort, currency,
       min_nights, max_nights, advance_notice_days, booking_window_days
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
               n.min_nights, n.max_nights, n.advance_notice_days, n.booking_window_days
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
               n.min_nights, n.max_nights, n.advance_notice_days, n.booking_window_days
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
                booking_window_days = EXCLUDED.booking_window_days;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION listing_search_sync() IS
    'Keeps listing_search, the published listings'' search projection, in step with listings.';
"""

_PREVIOUS = import_module("apps.listings.migrations.0017_search_unaccent_currency_matches")

# A view loses columns only by being dropped: the view of 0017 is created again.
REVERSE = [
    _PREVIOUS.SYNC,
    "DROP VIEW listing_search_source;",
    "ALTER TABLE listing_search DROP COLUMN min_nights, DROP COLUMN max_nights,"
    " DROP COLUMN advance_notice_days, DROP COLUMN booking_window_days;",
    _PREVIOUS.VIEW,
]


def source_private(apps, schema_editor):
    # The view reads listings as its owner (no RLS): never the app's to query. A view
    # replaced keeps its grants; one created again takes the schema's default privileges.
    with schema_editor.connection.cursor() as cursor:
        role = sql.Identifier(settings.DATABASE_APP_ROLE)
        cursor.execute(sql.SQL("REVOKE ALL ON listing_search_source FROM {}").format(role))


class Migration(migrations.Migration):
    dependencies = [("listings", "0022_calendar_rules")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                # Reversed, operations run last to first: this one revokes after the view of
                # 0017 is created again (with the schema's default privileges).
                migrations.RunPython(migrations.RunPython.noop, source_private),
                migrations.RunSQL([PROJECTION, VIEW, SYNC], REVERSE),
                migrations.RunPython(source_private, migrations.RunPython.noop),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="listingsearch",
                    name=name,
                    field=models.SmallIntegerField(default=default, verbose_name=label),
                    preserve_default=False,
                )
                for name, default, label in (
                    ("min_nights", 1, "minimum nights"),
                    ("max_nights", 90, "maximum nights"),
                    ("advance_notice_days", 0, "advance notice (days)"),
                    ("booking_window_days", 365, "booking window (days)"),
                )
            ],
        ),
    ]
