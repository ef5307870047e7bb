"""wishlists: private lists, guarded by PostgreSQL (issue 17, part 4).

- wishlist_items (wishlist_id, owner_id) references wishlists (id, owner_id): an item is its
  list's owner's, whoever writes it; deleting a list deletes its items.
- Row-level security, forced: a list and its items are read and written by their owner only
  (in their tenant); staff holding wishlists.view_wishlist read them (support), never write;
  system actors (erasure and purge commands, seeding) manage every row. An item is added only
  for a listing the caller sees public (published, active, not deleted): nobody saves a draft
  into a list, their own included; items are never updated.
- Caps, racing requests included (a transaction-scoped advisory lock per owner or per list,
  then a count in a fresh snapshot, as bookings_limit_pending_per_guest): at most
  wishlists_max_per_owner() lists an owner (wishlists_max_per_owner) and
  wishlist_items_max_per_wishlist() listings a list (wishlist_items_max_per_wishlist). The
  limits are constants written here (MAX_WISHLISTS_PER_USER and MAX_LISTINGS_PER_WISHLIST in
  apps/wishlists/models.py say the same; a test compares them); the tables' owner is not
  limited.
- Audit trail on both tables.
"""

from django.db import migrations

from apps.core.db.comments import audit_trigger_comments, comment_on

SQL = """
ALTER TABLE wishlist_items ADD CONSTRAINT wishlist_items_owner_matches_wishlist
    FOREIGN KEY (wishlist_id, owner_id) REFERENCES wishlists (id, owner_id) ON DELETE CASCADE;

ALTER TABLE wishlists ENABLE ROW LEVEL SECURITY;
ALTER TABLE wishlists FORCE ROW LEVEL SECURITY;
ALTER TABLE wishlist_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE wishlist_items FORCE ROW LEVEL SECURITY;

CREATE POLICY wishlists_owner ON wishlists
    USING (tenant_id = (SELECT app_tenant_id()) AND owner_id = (SELECT app_user_id()))
    WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND owner_id = (SELECT app_user_id()));
CREATE POLICY wishlists_staff_read ON wishlists FOR SELECT
    USING ((SELECT app_has_permission('wishlists.view_wishlist')));
CREATE POLICY wishlists_system ON wishlists
    USING ((SELECT app_is_system_actor()))
    WITH CHECK ((SELECT app_is_system_actor()));

CREATE POLICY wishlist_items_owner_read ON wishlist_items FOR SELECT
    USING (owner_id = (SELECT app_user_id()));
CREATE POLICY wishlist_items_owner_add ON wishlist_items FOR INSERT
    WITH CHECK (owner_id = (SELECT app_user_id()) AND EXISTS (
        SELECT 1 FROM listings l
        WHERE l.id = wishlist_items.listing_id AND l.status = 'published' AND l.is_active
          AND l.deleted_at IS NULL));
CREATE POLICY wishlist_items_owner_remove ON wishlist_items FOR DELETE
    USING (owner_id = (SELECT app_user_id()));
CREATE POLICY wishlist_items_staff_read ON wishlist_items FOR SELECT
    USING ((SELECT app_has_permission('wishlists.view_wishlist')));
CREATE POLICY wishlist_items_system ON wishlist_items
    USING ((SELECT app_is_system_actor()))
    WITH CHECK ((SELECT app_is_system_actor()));

SELECT audit_enable('wishlists');
SELECT audit_enable('wishlist_items');

CREATE FUNCTION wishlists_max_per_owner() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 50 $$;
CREATE FUNCTION wishlist_items_max_per_wishlist() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 500 $$;

CREATE FUNCTION wishlists_limit_per_owner() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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
$$;
CREATE TRIGGER wishlists_limit_per_owner BEFORE INSERT ON wishlists
    FOR EACH ROW EXECUTE FUNCTION wishlists_limit_per_owner();

CREATE FUNCTION wishlist_items_limit_per_wishlist() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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
$$;
CREATE TRIGGER wishlist_items_limit_per_wishlist BEFORE INSERT ON wishlist_items
    FOR EACH ROW EXECUTE FUNCTION wishlist_items_limit_per_wishlist();
"""

REVERSE = """
DROP TRIGGER wishlist_items_limit_per_wishlist ON wishlist_items;
DROP FUNCTION wishlist_items_limit_per_wishlist();
DROP TRIGGER wishlists_limit_per_owner ON wishlists;
DROP FUNCTION wishlists_limit_per_owner();
DROP FUNCTION wishlist_items_max_per_wishlist();
DROP FUNCTION wishlists_max_per_owner();
DROP TRIGGER wishlist_items_audit_insert ON wishlist_items;
DROP TRIGGER wishlist_items_audit_update ON wishlist_items;
DROP TRIGGER wishlist_items_audit_delete ON wishlist_items;
DROP TRIGGER wishlists_audit_insert ON wishlists;
DROP TRIGGER wishlists_audit_update ON wishlists;
DROP TRIGGER wishlists_audit_delete ON wishlists;
DROP POLICY wishlist_items_system ON wishlist_items;
DROP POLICY wishlist_items_staff_read ON wishlist_items;
DROP POLICY wishlist_items_owner_remove ON wishlist_items;
DROP POLICY wishlist_items_owner_add ON wishlist_items;
DROP POLICY wishlist_items_owner_read ON wishlist_items;
DROP POLICY wishlists_system ON wishlists;
DROP POLICY wishlists_staff_read ON wishlists;
DROP POLICY wishlists_owner ON wishlists;
ALTER TABLE wishlist_items NO FORCE ROW LEVEL SECURITY;
ALTER TABLE wishlist_items DISABLE ROW LEVEL SECURITY;
ALTER TABLE wishlists NO FORCE ROW LEVEL SECURITY;
ALTER TABLE wishlists DISABLE ROW LEVEL SECURITY;
ALTER TABLE wishlist_items DROP CONSTRAINT wishlist_items_owner_matches_wishlist;
"""

COMMENTS = {
    "TABLE wishlists": (
        "A user's named lists of saved listings, private to them: names unique per owner "
        "whatever their case, at most wishlists_max_per_owner() a user."
    ),
    "TABLE wishlist_items": (
        "A listing saved in a wishlist, with the list's owner repeated (kept equal by "
        "wishlist_items_owner_matches_wishlist) for row-level security and the search cards' "
        "saved flag; at most wishlist_items_max_per_wishlist() a list."
    ),
    "POLICY wishlists_owner ON wishlists": (
        "A user reads and manages their own wishlists, in their tenant; nobody else does."
    ),
    "POLICY wishlists_staff_read ON wishlists": (
        "Staff holding wishlists.view_wishlist read every wishlist (support); no staff writes."
    ),
    "POLICY wishlists_system ON wishlists": (
        "System actors (erasure, purge and seeding commands) manage every wishlist."
    ),
    "POLICY wishlist_items_owner_read ON wishlist_items": (
        "A user reads what their own wishlists hold."
    ),
    "POLICY wishlist_items_owner_add ON wishlist_items": (
        "A user saves, in their own wishlists, listings they see public (published, active, "
        "not deleted)."
    ),
    "POLICY wishlist_items_owner_remove ON wishlist_items": (
        "A user removes listings from their own wishlists; nobody updates an item."
    ),
    "POLICY wishlist_items_staff_read ON wishlist_items": (
        "Staff holding wishlists.view_wishlist read what every wishlist holds; no staff writes."
    ),
    "POLICY wishlist_items_system ON wishlist_items": (
        "System actors (erasure, purge and seeding commands) manage every saved listing."
    ),
    "CONSTRAINT wishlist_items_owner_matches_wishlist ON wishlist_items": (
        "A saved listing belongs to its wishlist's owner; deleting the list deletes it."
    ),
    "FUNCTION wishlists_max_per_owner()": (
        "How many wishlists a user may keep: MAX_WISHLISTS_PER_USER says the same; changed by "
        "a migration restating this function."
    ),
    "FUNCTION wishlist_items_max_per_wishlist()": (
        "How many listings a wishlist may hold: MAX_LISTINGS_PER_WISHLIST says the same; "
        "changed by a migration restating this function."
    ),
    "FUNCTION wishlists_limit_per_owner()": (
        "BEFORE INSERT on wishlists: an owner keeps at most wishlists_max_per_owner() lists, "
        "racing requests included (a per-owner advisory lock, then a count); refused as "
        "wishlists_max_per_owner (migration wishlists.0002)."
    ),
    "TRIGGER wishlists_limit_per_owner ON wishlists": (
        "A user keeps at most wishlists_max_per_owner() wishlists."
    ),
    "FUNCTION wishlist_items_limit_per_wishlist()": (
        "BEFORE INSERT on wishlist_items: a list holds at most "
        "wishlist_items_max_per_wishlist() listings, racing requests included (a per-list "
        "advisory lock, then a count); refused as wishlist_items_max_per_wishlist (migration "
        "wishlists.0002)."
    ),
    "TRIGGER wishlist_items_limit_per_wishlist ON wishlist_items": (
        "A wishlist holds at most wishlist_items_max_per_wishlist() listings."
    ),
    **audit_trigger_comments("wishlists", "wishlist_items"),
}


class Migration(migrations.Migration):
    dependencies = [("wishlists", "0001_wishlists")]

    operations = [migrations.RunSQL(SQL, REVERSE), comment_on(COMMENTS)]
