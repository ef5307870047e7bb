from django.db import migrations

SQL = """
-- listings: within the tenant, anyone reads published, active, not-deleted listings; an owner
-- reads and writes all of their own (drafts, archived, soft-deleted); staff and system actors
-- read and write everything.
ALTER TABLE listings ENABLE ROW LEVEL SECURITY;
ALTER TABLE listings FORCE ROW LEVEL SECURITY;
CREATE POLICY listings_privileged ON listings
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));
CREATE POLICY listings_public_read ON listings FOR SELECT
    USING (tenant_id = (SELECT app_tenant_id())
           AND status = 'published' AND is_active AND deleted_at IS NULL);
CREATE POLICY listings_owner ON listings
    USING (tenant_id = (SELECT app_tenant_id()) AND owner_id = (SELECT app_user_id()))
    WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND owner_id = (SELECT app_user_id()));

-- Amenity and tag links follow their listing: visible with it, changed by its owner.
ALTER TABLE listing_amenities ENABLE ROW LEVEL SECURITY;
ALTER TABLE listing_amenities FORCE ROW LEVEL SECURITY;
CREATE POLICY listing_amenities_read ON listing_amenities FOR SELECT
    USING (EXISTS (SELECT 1 FROM listings l WHERE l.id = listing_id));
CREATE POLICY listing_amenities_write ON listing_amenities
    USING ((SELECT app_is_privileged())
           OR EXISTS (SELECT 1 FROM listings l
                      WHERE l.id = listing_id AND l.owner_id = (SELECT app_user_id())))
    WITH CHECK ((SELECT app_is_privileged())
           OR EXISTS (SELECT 1 FROM listings l
                      WHERE l.id = listing_id AND l.owner_id = (SELECT app_user_id())));

ALTER TABLE listing_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE listing_tags FORCE ROW LEVEL SECURITY;
CREATE POLICY listing_tags_read ON listing_tags FOR SELECT
    USING (EXISTS (SELECT 1 FROM listings l WHERE l.id = listing_id));
CREATE POLICY listing_tags_write ON listing_tags
    USING ((SELECT app_is_privileged())
           OR EXISTS (SELECT 1 FROM listings l
                      WHERE l.id = listing_id AND l.owner_id = (SELECT app_user_id())))
    WITH CHECK ((SELECT app_is_privileged())
           OR EXISTS (SELECT 1 FROM listings l
                      WHERE l.id = listing_id AND l.owner_id = (SELECT app_user_id())));

-- Versions: read by whoever may change the listing; written only by the trigger below.
ALTER TABLE listing_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE listing_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY listing_versions_read ON listing_versions FOR SELECT
    USING ((SELECT app_is_privileged())
           OR EXISTS (SELECT 1 FROM listings l
                      WHERE l.id = listing_id AND l.owner_id = (SELECT app_user_id())));
CREATE POLICY listing_versions_append ON listing_versions FOR INSERT WITH CHECK (true);

-- Reference data: everyone reads, staff and system actors write.
ALTER TABLE categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE categories FORCE ROW LEVEL SECURITY;
CREATE POLICY categories_read ON categories FOR SELECT USING (true);
CREATE POLICY categories_privileged ON categories
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));
ALTER TABLE amenities ENABLE ROW LEVEL SECURITY;
ALTER TABLE amenities FORCE ROW LEVEL SECURITY;
CREATE POLICY amenities_read ON amenities FOR SELECT USING (true);
CREATE POLICY amenities_privileged ON amenities
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));
ALTER TABLE tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE tags FORCE ROW LEVEL SECURITY;
CREATE POLICY tags_read ON tags FOR SELECT USING (true);
CREATE POLICY tags_privileged ON tags
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));

-- Every change of title, description or price records the next version, in the same
-- transaction, whatever wrote it (ORM, queryset.update(), admin, SQL). Concurrent edits of
-- one listing serialise on its row lock, so max(version) + 1 stays gapless and unique.
CREATE FUNCTION listings_record_versions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO listing_versions
            (listing_id, version, title, description, price_cents, created_at, created_by_id)
        SELECT n.id, 1, n.title, n.description, n.price_cents, now(), app_user_id()
        FROM new_rows AS n;
    ELSE
        INSERT INTO listing_versions
            (listing_id, version, title, description, price_cents, created_at, created_by_id)
        SELECT n.id,
               coalesce((SELECT max(v.version) FROM listing_versions AS v
                         WHERE v.listing_id = n.id), 0) + 1,
               n.title, n.description, n.price_cents, now(), app_user_id()
        FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
        WHERE (n.title, n.description, n.price_cents)
              IS DISTINCT FROM (o.title, o.description, o.price_cents);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER listings_versions_insert AFTER INSERT ON listings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listings_record_versions();
CREATE TRIGGER listings_versions_update AFTER UPDATE ON listings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listings_record_versions();

-- Existing listings (seeded before this migration) start at version 1.
INSERT INTO listing_versions (listing_id, version, title, description, price_cents, created_at)
SELECT l.id, 1, l.title, l.description, l.price_cents, l.created_at FROM listings l
WHERE NOT EXISTS (SELECT 1 FROM listing_versions v WHERE v.listing_id = l.id);

SELECT audit_enable('listings');
SELECT audit_enable('listing_amenities');
SELECT audit_enable('listing_tags');
SELECT audit_enable('categories');
SELECT audit_enable('amenities');
SELECT audit_enable('tags');
"""

TABLES = ("listings", "listing_amenities", "listing_tags", "categories", "amenities", "tags")
POLICIES = {
    "listings": ("listings_privileged", "listings_public_read", "listings_owner"),
    "listing_amenities": ("listing_amenities_read", "listing_amenities_write"),
    "listing_tags": ("listing_tags_read", "listing_tags_write"),
    "listing_versions": ("listing_versions_read", "listing_versions_append"),
    "categories": ("categories_read", "categories_privileged"),
    "amenities": ("amenities_read", "amenities_privileged"),
    "tags": ("tags_read", "tags_privileged"),
}
REVERSE = (
    "DROP TRIGGER listings_versions_insert ON listings;\n"
    "DROP TRIGGER listings_versions_update ON listings;\n"
    "DROP FUNCTION listings_record_versions();\n"
    + "".join(
        f"DROP TRIGGER {t}_audit_{op} ON {t};\n"
        for t in TABLES
        for op in ("insert", "update", "delete")
    )
    + "".join(f"DROP POLICY {p} ON {t};\n" for t, names in POLICIES.items() for p in names)
    + "".join(f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY;\n" for t in POLICIES)
)


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0002_category_tree_guard"),
        ("core", "0002_runtime_role_and_audit_functions"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
