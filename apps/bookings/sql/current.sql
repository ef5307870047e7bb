-- The current definition of the bookings app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [function] listing_booked_ranges(target_listing bigint, from_date date, to_date date) — The booked date ranges of a listing the caller may see, without revealing who booked (for availability calendars and search).
CREATE OR REPLACE FUNCTION public.listing_booked_ranges(target_listing bigint, from_date date, to_date date)
 RETURNS TABLE(check_in date, check_out date)
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
 SET "app.actor" TO 'system:availability'
AS $function$
        SELECT b.check_in, b.check_out FROM bookings b
        WHERE b.listing_id = target_listing
          AND b.status IN ('pending', 'confirmed')
          AND daterange(b.check_in, b.check_out) && daterange(from_date, to_date)
          AND EXISTS (
              SELECT 1 FROM listings l
              WHERE l.id = target_listing
                AND ((l.tenant_id = app_tenant_id() AND l.status = 'published'
                      AND l.is_active AND l.deleted_at IS NULL)
                     OR l.owner_id = app_user_id()
                     OR app_setting('app.is_staff') = 'on'))
        ORDER BY b.check_in
    $function$;
COMMENT ON FUNCTION listing_booked_ranges(target_listing bigint, from_date date, to_date date) IS 'The booked date ranges of a listing the caller may see, without revealing who booked (for availability calendars and search).';

-- [row level security] bookings — row-level security enabled, forced on the owner too
ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
ALTER TABLE bookings FORCE ROW LEVEL SECURITY;

-- [policy] bookings_guest_create ON bookings — A guest books for themselves in their own tenant.
CREATE POLICY bookings_guest_create ON bookings
    FOR INSERT TO public
    WITH CHECK (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND guest_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY bookings_guest_create ON bookings IS 'A guest books for themselves in their own tenant.';

-- [policy] bookings_parties_read ON bookings — A booking's guest and its listing's owner read it.
CREATE POLICY bookings_parties_read ON bookings
    FOR SELECT TO public
    USING (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND (guest_id = (( SELECT app_user_id() AS app_user_id)) OR (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = bookings.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id))))));
COMMENT ON POLICY bookings_parties_read ON bookings IS 'A booking''s guest and its listing''s owner read it.';

-- [policy] bookings_parties_update ON bookings — A booking's guest and its listing's owner change it, within their tenant.
CREATE POLICY bookings_parties_update ON bookings
    FOR UPDATE TO public
    USING (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND (guest_id = (( SELECT app_user_id() AS app_user_id)) OR (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = bookings.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id))))))
    WITH CHECK (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id)));
COMMENT ON POLICY bookings_parties_update ON bookings IS 'A booking''s guest and its listing''s owner change it, within their tenant.';

-- [policy] bookings_staff_and_system ON bookings — Staff and system actors (completion, commands) manage every booking.
CREATE POLICY bookings_staff_and_system ON bookings
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY bookings_staff_and_system ON bookings IS 'Staff and system actors (completion, commands) manage every booking.';

-- [trigger] bookings_audit_delete ON bookings — Audit trail: records in audit_logs every row a DELETE removes from bookings, with who and from where.
CREATE TRIGGER bookings_audit_delete AFTER DELETE ON public.bookings
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER bookings_audit_delete ON bookings IS 'Audit trail: records in audit_logs every row a DELETE removes from bookings, with who and from where.';

-- [trigger] bookings_audit_insert ON bookings — Audit trail: records in audit_logs every row an INSERT adds to bookings, with who and from where.
CREATE TRIGGER bookings_audit_insert AFTER INSERT ON public.bookings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER bookings_audit_insert ON bookings IS 'Audit trail: records in audit_logs every row an INSERT adds to bookings, with who and from where.';

-- [trigger] bookings_audit_update ON bookings — Audit trail: records in audit_logs every row an UPDATE changes in bookings, with who and from where.
CREATE TRIGGER bookings_audit_update AFTER UPDATE ON public.bookings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER bookings_audit_update ON bookings IS 'Audit trail: records in audit_logs every row an UPDATE changes in bookings, with who and from where.';

-- [grant] ON SEQUENCE bookings_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE bookings_id_seq TO app_user;

-- [grant] ON TABLE bookings — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE bookings TO app_user;
