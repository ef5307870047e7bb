from django.db import migrations

# On UPDATE, only the rows whose public projection changed are rewritten in listing_search:
# a bulk price change no longer deletes and re-inserts 100,000 search rows.
SYNC = """
CREATE OR REPLACE FUNCTION listing_search_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO listing_search (listing_id, tenant_id, search_vector, location)
        SELECT n.id, n.tenant_id, n.search_vector,
               CASE WHEN n.longitude IS NOT NULL
                    THEN point(n.longitude::float8, n.latitude::float8) END
        FROM new_rows n
        WHERE n.status = 'published' AND n.is_active AND n.deleted_at IS NULL;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM listing_search s USING old_rows o WHERE s.listing_id = o.id;
    ELSE
        -- Rows leaving the public projection (or whose projection changed and is no longer
        -- public), then rows entering or changing in it; untouched rows cost a join only.
        DELETE FROM listing_search s
        USING new_rows n JOIN old_rows o ON o.id = n.id
        WHERE s.listing_id = n.id
          AND (n.status, n.is_active, n.deleted_at, n.tenant_id)
              IS DISTINCT FROM (o.status, o.is_active, o.deleted_at, o.tenant_id)
          AND NOT (n.status = 'published' AND n.is_active AND n.deleted_at IS NULL);
        INSERT INTO listing_search (listing_id, tenant_id, search_vector, location)
        SELECT n.id, n.tenant_id, n.search_vector,
               CASE WHEN n.longitude IS NOT NULL
                    THEN point(n.longitude::float8, n.latitude::float8) END
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.status = 'published' AND n.is_active AND n.deleted_at IS NULL
          AND (n.status, n.is_active, n.deleted_at, n.tenant_id, n.search_vector,
               n.latitude, n.longitude)
              IS DISTINCT FROM
              (o.status, o.is_active, o.deleted_at, o.tenant_id, o.search_vector,
               o.latitude, o.longitude)
        ON CONFLICT (listing_id) DO UPDATE
            SET tenant_id = EXCLUDED.tenant_id,
                search_vector = EXCLUDED.search_vector,
                location = EXCLUDED.location;
    END IF;
    RETURN NULL;
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("listings", "0006_listing_search")]

    operations = [migrations.RunSQL(SYNC, migrations.RunSQL.noop)]
