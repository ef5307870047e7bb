"""listing_search: the public search projection of listings.

Row-level security on listings makes PostgreSQL evaluate the policies before any operator
that is not LEAKPROOF — and neither the full-text match `@@` nor numeric comparisons are —
so under RLS the GIN index on listings.search_vector and the (latitude, longitude) index can
never serve the public search. This table holds only what is public anyway (published,
active, not deleted listings: id, tenant, search vector, location), has no RLS, and is kept
by a trigger in the same transaction as every change to listings. Search filters it with its
indexes, then reads the listings themselves by primary key, under RLS.
"""

from django.conf import settings
from django.db import migrations
from psycopg import sql

CREATE = """
CREATE TABLE listing_search (
    listing_id bigint PRIMARY KEY REFERENCES listings (id) ON DELETE CASCADE,
    tenant_id bigint NOT NULL,
    search_vector tsvector NOT NULL,
    location point
);
CREATE INDEX listing_search_vector_idx ON listing_search USING gin (search_vector);
CREATE INDEX listing_search_location_idx ON listing_search USING gist (location);

CREATE FUNCTION listing_search_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM listing_search s USING old_rows o WHERE s.listing_id = o.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO listing_search (listing_id, tenant_id, search_vector, location)
        SELECT n.id, n.tenant_id, n.search_vector,
               CASE WHEN n.longitude IS NOT NULL
                    THEN point(n.longitude::float8, n.latitude::float8) END
        FROM new_rows n
        WHERE n.status = 'published' AND n.is_active AND n.deleted_at IS NULL;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER listings_search_insert AFTER INSERT ON listings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listing_search_sync();
CREATE TRIGGER listings_search_update AFTER UPDATE ON listings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listing_search_sync();
CREATE TRIGGER listings_search_delete AFTER DELETE ON listings
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listing_search_sync();

INSERT INTO listing_search (listing_id, tenant_id, search_vector, location)
SELECT id, tenant_id, search_vector,
       CASE WHEN longitude IS NOT NULL THEN point(longitude::float8, latitude::float8) END
FROM listings WHERE status = 'published' AND is_active AND deleted_at IS NULL;
"""

DROP = """
DROP TRIGGER listings_search_insert ON listings;
DROP TRIGGER listings_search_update ON listings;
DROP TRIGGER listings_search_delete ON listings;
DROP FUNCTION listing_search_sync();
DROP TABLE listing_search;
"""


def read_only_for_app(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        role = sql.Identifier(settings.DATABASE_APP_ROLE)
        cursor.execute(sql.SQL("REVOKE ALL ON listing_search FROM {}").format(role))
        cursor.execute(sql.SQL("GRANT SELECT ON listing_search TO {}").format(role))


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0005_moderation_permissions"),
        ("core", "0003_privileged_policies_first"),
    ]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunPython(read_only_for_app, migrations.RunPython.noop),
    ]
