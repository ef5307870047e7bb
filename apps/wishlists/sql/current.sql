-- The current definition of the wishlists app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [function] wishlist_items_limit_per_wishlist() — BEFORE INSERT on wishlist_items: a list holds at most wishlist_items_max_per_wishlist() listings, racing requests included (a per-list advisory lock, then a count); refused as wishlist_items_max_per_wishlist (migration wishlists.0002).
CREATE OR REPLACE FUNCTION public.wishlist_items_limit_per_wishlist()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF app_runs_as_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('wishlists:items:' || NEW.wishlist_id, 0));
    IF (SELECT count(*) FROM wishlist_items i WHERE i.wishlist_id = NEW.wishlist_id)
       >= wishlist_items_max_per_wishlist() THEN
        RAISE EXCEPTION 'a wishlist holds at most % listings', wishlist_items_max_per_wishlist()
            USING ERRCODE = 'check_violation', TABLE = 'wishlist_items', COLUMN = 'listing_id',
                  CONSTRAINT = 'wishlist_items_max_per_wishlist';
    END IF;
    RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION wishlist_items_limit_per_wishlist() IS 'BEFORE INSERT on wishlist_items: a list holds at most wishlist_items_max_per_wishlist() listings, racing requests included (a per-list advisory lock, then a count); refused as wishlist_items_max_per_wishlist (migration wishlists.0002).';

-- [function] wishlist_items_max_per_wishlist() — How many listings a wishlist may hold: MAX_LISTINGS_PER_WISHLIST says the same; changed by a migration restating this function.
CREATE OR REPLACE FUNCTION public.wishlist_items_max_per_wishlist()
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$ SELECT 500 $function$;
COMMENT ON FUNCTION wishlist_items_max_per_wishlist() IS 'How many listings a wishlist may hold: MAX_LISTINGS_PER_WISHLIST says the same; changed by a migration restating this function.';

-- [function] wishlists_limit_per_owner() — BEFORE INSERT on wishlists: an owner keeps at most wishlists_max_per_owner() lists, racing requests included (a per-owner advisory lock, then a count); refused as wishlists_max_per_owner (migration wishlists.0002).
CREATE OR REPLACE FUNCTION public.wishlists_limit_per_owner()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF app_runs_as_owner(TG_RELID) THEN
        RETURN NEW;  -- the tables' owner (migrations, restores)
    END IF;
    -- Racing requests of one owner queue here; the count then runs in a snapshot taken after
    -- the lock (READ COMMITTED, a volatile function): it sees the winner's row.
    PERFORM pg_advisory_xact_lock(hashtextextended('wishlists:owner:' || NEW.owner_id, 0));
    IF (SELECT count(*) FROM wishlists w WHERE w.owner_id = NEW.owner_id)
       >= wishlists_max_per_owner() THEN
        RAISE EXCEPTION 'a user keeps at most % wishlists', wishlists_max_per_owner()
            USING ERRCODE = 'check_violation', TABLE = 'wishlists', COLUMN = 'owner_id',
                  CONSTRAINT = 'wishlists_max_per_owner';
    END IF;
    RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION wishlists_limit_per_owner() IS 'BEFORE INSERT on wishlists: an owner keeps at most wishlists_max_per_owner() lists, racing requests included (a per-owner advisory lock, then a count); refused as wishlists_max_per_owner (migration wishlists.0002).';

-- [function] wishlists_max_per_owner() — How many wishlists a user may keep: MAX_WISHLISTS_PER_USER says the same; changed by a migration restating this function.
CREATE OR REPLACE FUNCTION public.wishlists_max_per_owner()
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$ SELECT 50 $function$;
COMMENT ON FUNCTION wishlists_max_per_owner() IS 'How many wishlists a user may keep: MAX_WISHLISTS_PER_USER says the same; changed by a migration restating this function.';

-- [row level security] wishlist_items — row-level security enabled, forced on the owner too
ALTER TABLE wishlist_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE wishlist_items FORCE ROW LEVEL SECURITY;

-- [row level security] wishlists — row-level security enabled, forced on the owner too
ALTER TABLE wishlists ENABLE ROW LEVEL SECURITY;
ALTER TABLE wishlists FORCE ROW LEVEL SECURITY;

-- [policy] wishlist_items_owner_add ON wishlist_items — A user saves, in their own wishlists, listings they see public (published, active, not deleted).
CREATE POLICY wishlist_items_owner_add ON wishlist_items
    FOR INSERT TO public
    WITH CHECK (owner_id = (( SELECT app_user_id() AS app_user_id))
        AND (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = wishlist_items.listing_id AND l.status::text = 'published'::text AND l.is_active AND l.deleted_at IS NULL)));
COMMENT ON POLICY wishlist_items_owner_add ON wishlist_items IS 'A user saves, in their own wishlists, listings they see public (published, active, not deleted).';

-- [policy] wishlist_items_owner_read ON wishlist_items — A user reads what their own wishlists hold.
CREATE POLICY wishlist_items_owner_read ON wishlist_items
    FOR SELECT TO public
    USING (owner_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY wishlist_items_owner_read ON wishlist_items IS 'A user reads what their own wishlists hold.';

-- [policy] wishlist_items_owner_remove ON wishlist_items — A user removes listings from their own wishlists; nobody updates an item.
CREATE POLICY wishlist_items_owner_remove ON wishlist_items
    FOR DELETE TO public
    USING (owner_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY wishlist_items_owner_remove ON wishlist_items IS 'A user removes listings from their own wishlists; nobody updates an item.';

-- [policy] wishlist_items_staff_read ON wishlist_items — Staff holding wishlists.view_wishlist read what every wishlist holds; no staff writes.
CREATE POLICY wishlist_items_staff_read ON wishlist_items
    FOR SELECT TO public
    USING (( SELECT app_has_permission('wishlists.view_wishlist'::text) AS app_has_permission));
COMMENT ON POLICY wishlist_items_staff_read ON wishlist_items IS 'Staff holding wishlists.view_wishlist read what every wishlist holds; no staff writes.';

-- [policy] wishlist_items_system ON wishlist_items — System actors (erasure, purge and seeding commands) manage every saved listing.
CREATE POLICY wishlist_items_system ON wishlist_items
    FOR ALL TO public
    USING (( SELECT app_is_system_actor() AS app_is_system_actor))
    WITH CHECK (( SELECT app_is_system_actor() AS app_is_system_actor));
COMMENT ON POLICY wishlist_items_system ON wishlist_items IS 'System actors (erasure, purge and seeding commands) manage every saved listing.';

-- [policy] wishlists_owner ON wishlists — A user reads and manages their own wishlists, in their tenant; nobody else does.
CREATE POLICY wishlists_owner ON wishlists
    FOR ALL TO public
    USING (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND owner_id = (( SELECT app_user_id() AS app_user_id)))
    WITH CHECK (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND owner_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY wishlists_owner ON wishlists IS 'A user reads and manages their own wishlists, in their tenant; nobody else does.';

-- [policy] wishlists_staff_read ON wishlists — Staff holding wishlists.view_wishlist read every wishlist (support); no staff writes.
CREATE POLICY wishlists_staff_read ON wishlists
    FOR SELECT TO public
    USING (( SELECT app_has_permission('wishlists.view_wishlist'::text) AS app_has_permission));
COMMENT ON POLICY wishlists_staff_read ON wishlists IS 'Staff holding wishlists.view_wishlist read every wishlist (support); no staff writes.';

-- [policy] wishlists_system ON wishlists — System actors (erasure, purge and seeding commands) manage every wishlist.
CREATE POLICY wishlists_system ON wishlists
    FOR ALL TO public
    USING (( SELECT app_is_system_actor() AS app_is_system_actor))
    WITH CHECK (( SELECT app_is_system_actor() AS app_is_system_actor));
COMMENT ON POLICY wishlists_system ON wishlists IS 'System actors (erasure, purge and seeding commands) manage every wishlist.';

-- [trigger] wishlist_items_audit_delete ON wishlist_items — Audit trail: records in audit_logs every row a DELETE removes from wishlist_items, with who and from where.
CREATE TRIGGER wishlist_items_audit_delete AFTER DELETE ON public.wishlist_items
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER wishlist_items_audit_delete ON wishlist_items IS 'Audit trail: records in audit_logs every row a DELETE removes from wishlist_items, with who and from where.';

-- [trigger] wishlist_items_audit_insert ON wishlist_items — Audit trail: records in audit_logs every row an INSERT adds to wishlist_items, with who and from where.
CREATE TRIGGER wishlist_items_audit_insert AFTER INSERT ON public.wishlist_items
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER wishlist_items_audit_insert ON wishlist_items IS 'Audit trail: records in audit_logs every row an INSERT adds to wishlist_items, with who and from where.';

-- [trigger] wishlist_items_audit_update ON wishlist_items — Audit trail: records in audit_logs every row an UPDATE changes in wishlist_items, with who and from where.
CREATE TRIGGER wishlist_items_audit_update AFTER UPDATE ON public.wishlist_items
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER wishlist_items_audit_update ON wishlist_items IS 'Audit trail: records in audit_logs every row an UPDATE changes in wishlist_items, with who and from where.';

-- [trigger] wishlist_items_limit_per_wishlist ON wishlist_items — A wishlist holds at most wishlist_items_max_per_wishlist() listings.
CREATE TRIGGER wishlist_items_limit_per_wishlist BEFORE INSERT ON public.wishlist_items
    FOR EACH ROW
    EXECUTE FUNCTION wishlist_items_limit_per_wishlist();
COMMENT ON TRIGGER wishlist_items_limit_per_wishlist ON wishlist_items IS 'A wishlist holds at most wishlist_items_max_per_wishlist() listings.';

-- [trigger] wishlists_audit_delete ON wishlists — Audit trail: records in audit_logs every row a DELETE removes from wishlists, with who and from where.
CREATE TRIGGER wishlists_audit_delete AFTER DELETE ON public.wishlists
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER wishlists_audit_delete ON wishlists IS 'Audit trail: records in audit_logs every row a DELETE removes from wishlists, with who and from where.';

-- [trigger] wishlists_audit_insert ON wishlists — Audit trail: records in audit_logs every row an INSERT adds to wishlists, with who and from where.
CREATE TRIGGER wishlists_audit_insert AFTER INSERT ON public.wishlists
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER wishlists_audit_insert ON wishlists IS 'Audit trail: records in audit_logs every row an INSERT adds to wishlists, with who and from where.';

-- [trigger] wishlists_audit_update ON wishlists — Audit trail: records in audit_logs every row an UPDATE changes in wishlists, with who and from where.
CREATE TRIGGER wishlists_audit_update AFTER UPDATE ON public.wishlists
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER wishlists_audit_update ON wishlists IS 'Audit trail: records in audit_logs every row an UPDATE changes in wishlists, with who and from where.';

-- [trigger] wishlists_limit_per_owner ON wishlists — A user keeps at most wishlists_max_per_owner() wishlists.
CREATE TRIGGER wishlists_limit_per_owner BEFORE INSERT ON public.wishlists
    FOR EACH ROW
    EXECUTE FUNCTION wishlists_limit_per_owner();
COMMENT ON TRIGGER wishlists_limit_per_owner ON wishlists IS 'A user keeps at most wishlists_max_per_owner() wishlists.';

-- [grant] ON SEQUENCE wishlist_items_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE wishlist_items_id_seq TO app_user;

-- [grant] ON SEQUENCE wishlists_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE wishlists_id_seq TO app_user;

-- [grant] ON TABLE wishlist_items — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE wishlist_items TO app_user;

-- [grant] ON TABLE wishlists — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE wishlists TO app_user;
