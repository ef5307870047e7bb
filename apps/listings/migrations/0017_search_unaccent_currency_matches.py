"""Search that ignores accents, bounded at any size, and prices compared in one currency.

- `french_unaccent`: the french configuration with the `unaccent` dictionary before the
  stemmer, so that "chateau" finds "Château" and "château" finds "Chateau". listings'
  search_vector (a generated column, hence dropped and added again: PostgreSQL cannot change a
  generation expression in place) and the queries (apps/listings/selectors.py) both use it.
  to_tsvector(regconfig, text) stays IMMUTABLE whatever the configuration, as a generated
  column requires; the match runs on listing_search, which has no row-level security, so
  `@@` needs no LEAKPROOF to use the GIN index.
- listing_search.currency, and an index (tenant, currency, price, id): a price range is
  compared with listings priced in the requested currency only.
- listing_search_matches(query, cap): the ids of at most `cap` listings matching a full-text
  query, always through the GIN index (a bitmap scan, whatever the planner's estimate of the
  match count). The search asks it first: when few listings match, the page is chosen among
  those ids (cost bounded by `cap`); when more match, walking an order index stops after a
  page because matches are frequent. Its planner settings are the function's own (SET
  clauses), never the session's.
"""

from importlib import import_module

import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations, models
from psycopg import sql

# A generation expression cannot change in place: the column is dropped and added again.
VECTOR_COLUMN = """
DROP VIEW listing_search_source;
ALTER TABLE listings DROP COLUMN search_vector;
ALTER TABLE listings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('french_unaccent'::regconfig, COALESCE(title, '')), 'A')
    || setweight(to_tsvector('french_unaccent'::regconfig, COALESCE(description, '')), 'B')
) STORED;
CREATE INDEX listings_search_gin_idx ON listings USING gin (search_vector);
"""

OLD_VECTOR_COLUMN = """
DROP VIEW listing_search_source;
ALTER TABLE listings DROP COLUMN search_vector;
ALTER TABLE listings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('french'::regconfig, COALESCE(title, '')), 'A')
    || setweight(to_tsvector('french'::regconfig, COALESCE(description, '')), 'B')
) STORED;
CREATE INDEX listings_search_gin_idx ON listings USING gin (search_vector);
"""

VIEW = """
CREATE VIEW listing_search_source AS
SELECT id AS listing_id, tenant_id, search_vector, longitude::float8, latitude::float8,
       city, price_cents, beds, baths, max_guests, category_id, created_at,
       COALESCE(rating_avg, 0) AS rating_sort, currency
FROM listings
WHERE status = 'published' AND is_active AND deleted_at IS NULL;
COMMENT ON VIEW listing_search_source IS
    'What listing_search should hold: the search columns of published, active listings.';
"""

OLD_VIEW = """
CREATE VIEW listing_search_source AS
SELECT id AS listing_id, tenant_id, search_vector, longitude::float8, latitude::float8,
       city, price_cents, beds, baths, max_guests, category_id, created_at,
       COALESCE(rating_avg, 0) AS rating_sort
FROM listings
WHERE status = 'published' AND is_active AND deleted_at IS NULL;
COMMENT ON VIEW listing_search_source IS
    'What listing_search should hold: the search columns of published, active listings.';
"""


CONFIGURATION = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
ALTER TEXT SEARCH CONFIGURATION french_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
COMMENT ON TEXT SEARCH CONFIGURATION french_unaccent IS
    'French stemming after unaccent: accented and unaccented spellings match both ways.';
"""

PROJECTION = """
ALTER TABLE listing_search ADD COLUMN currency varchar(3);
-- No pending list: with fastupdate a GIN index queues new entries in a list that every search
-- reads whole until a vacuum merges them (465 pages, 36 ms for a typo on 10,000 listings).
-- Entries go straight into the index instead; a listing write adds a few lexemes.
ALTER INDEX listing_search_vector_idx SET (fastupdate = off);
TRUNCATE listing_search;
INSERT INTO listing_search SELECT * FROM listing_search_source;
ALTER TABLE listing_search ALTER COLUMN currency SET NOT NULL;
CREATE INDEX listing_search_currency_price_idx
    ON listing_search (tenant_id, currency, price_cents, listing_id);
ANALYZE listing_search;
"""

MATCHES = """
CREATE FUNCTION listing_search_matches(query tsquery, cap integer) RETURNS bigint[]
    LANGUAGE plpgsql STABLE
    SET enable_seqscan = off SET enable_indexscan = off
    AS $$
DECLARE
    estimate float8;
BEGIN
    -- A single word among the column's most common lexemes (ANALYZE's statistics), known to
    -- match over 4 x cap rows: NULL, "many", without reading its posting list whole (73,000
    -- entries for a word in 14 listings of a million). Not the planner's estimate: for a word
    -- outside that list (a rare word, a typo) it guesses 0.5% of the table, the very guess
    -- that sent a typo down the date index. Other words and combinations are counted.
    IF numnode(query) = 1 THEN
        SELECT s.most_common_elem_freqs[
                   array_position(s.most_common_elems::text::text[], btrim(query::text, ''''))
               ] * greatest(c.reltuples, 0)
        INTO estimate
        FROM pg_stats s JOIN pg_class c ON c.oid = 'listing_search'::regclass
        WHERE s.schemaname = 'public' AND s.tablename = 'listing_search'
          AND s.attname = 'search_vector';
        IF estimate > 4 * cap THEN
            RETURN NULL;
        END IF;
    END IF;
    -- tenant_id + 0: no btree index (each starts with tenant_id) can serve the tenant's
    -- rows, so the only plan left is the bitmap scan of the GIN index.
    RETURN (
        SELECT coalesce(array_agg(listing_id), '{}')
        FROM (SELECT listing_id FROM listing_search
              WHERE tenant_id + 0 = app_tenant_id() AND search_vector @@ query
              LIMIT cap) AS matches
    );
END;
$$;
COMMENT ON FUNCTION listing_search_matches(query tsquery, cap integer) IS
    'The ids of at most cap listings of the tenant matching a full-text query, read through '
    'the GIN index whatever the planner estimates; NULL for a single word that the column''s '
    'most common lexemes say matches over 4 x cap rows. The search''s first step.';
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
               n.created_at, COALESCE(n.rating_avg, 0), n.currency
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
               n.created_at, COALESCE(n.rating_avg, 0), n.currency
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.status = 'published' AND n.is_active AND n.deleted_at IS NULL
          AND (NOT (o.status = 'published' AND o.is_active AND o.deleted_at IS NULL)
               OR (n.tenant_id, n.latitude, n.longitude, n.city, n.price_cents, n.beds,
                   n.baths, n.max_guests, n.category_id, n.created_at, n.rating_avg,
                   n.currency)
                  IS DISTINCT FROM
                  (o.tenant_id, o.latitude, o.longitude, o.city, o.price_cents, o.beds,
                   o.baths, o.max_guests, o.category_id, o.created_at, o.rating_avg,
                   o.currency)
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
                currency = EXCLUDED.currency;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION listing_search_sync() IS
    'Keeps listing_search, the published listings'' search projection, in step with listings.';
"""

# The function as 0009 left it, restored on the way back.
OLD_SYNC = import_module("apps.listings.migrations.0009_listing_search_columns").SYNC

REVERSE = [
    "DROP FUNCTION listing_search_matches(tsquery, integer);",
    "ALTER INDEX listing_search_vector_idx RESET (fastupdate);",
    "DROP INDEX listing_search_currency_price_idx;",
    OLD_SYNC,
    OLD_VECTOR_COLUMN,
    "ALTER TABLE listing_search DROP COLUMN currency;",
    OLD_VIEW,
    "TRUNCATE listing_search;",
    "INSERT INTO listing_search SELECT * FROM listing_search_source;",
    "DROP TEXT SEARCH CONFIGURATION french_unaccent;",
]


def source_private(apps, schema_editor):
    # The view reads listings as its owner (no RLS): never the app's to query.
    with schema_editor.connection.cursor() as cursor:
        role = sql.Identifier(settings.DATABASE_APP_ROLE)
        cursor.execute(sql.SQL("REVOKE ALL ON listing_search_source FROM {}").format(role))


class Migration(migrations.Migration):
    dependencies = [("listings", "0016_verbose_names")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [CONFIGURATION, VECTOR_COLUMN, VIEW, PROJECTION, MATCHES, SYNC], REVERSE
                ),
                migrations.RunPython(source_private, source_private),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="listing",
                    name="search_vector",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=django.contrib.postgres.search.CombinedSearchVector(
                            django.contrib.postgres.search.SearchVector(
                                "title", config="french_unaccent", weight="A"
                            ),
                            "||",
                            django.contrib.postgres.search.SearchVector(
                                "description", config="french_unaccent", weight="B"
                            ),
                            django.contrib.postgres.search.SearchConfig("french_unaccent"),
                        ),
                        output_field=django.contrib.postgres.search.SearchVectorField(),
                    ),
                ),
                migrations.AddField(
                    model_name="listingsearch",
                    name="currency",
                    field=models.CharField(max_length=3, default="EUR"),
                    preserve_default=False,
                ),
            ],
        ),
    ]
