from django.db import migrations

SQL = """
-- bookings: the guest and the listing's owner see a booking (and staff); only the guest
-- creates it, for themself; both parties change it (confirm/decline/cancel); nobody but staff
-- and system actors deletes one.
ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
ALTER TABLE bookings FORCE ROW LEVEL SECURITY;
CREATE POLICY bookings_privileged ON bookings
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));
CREATE POLICY bookings_parties_read ON bookings FOR SELECT
    USING (tenant_id = (SELECT app_tenant_id())
           AND (guest_id = (SELECT app_user_id())
                OR EXISTS (SELECT 1 FROM listings l
                           WHERE l.id = listing_id AND l.owner_id = (SELECT app_user_id()))));
CREATE POLICY bookings_guest_create ON bookings FOR INSERT
    WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND guest_id = (SELECT app_user_id()));
CREATE POLICY bookings_parties_update ON bookings FOR UPDATE
    USING (tenant_id = (SELECT app_tenant_id())
           AND (guest_id = (SELECT app_user_id())
                OR EXISTS (SELECT 1 FROM listings l
                           WHERE l.id = listing_id AND l.owner_id = (SELECT app_user_id()))))
    WITH CHECK (tenant_id = (SELECT app_tenant_id()));

-- A listing's booked nights are public (availability calendar) although its bookings are not.
-- This function runs as a system actor (its SET clause; restored on return) to see every
-- booking of the listing, and returns only date ranges, for a listing the caller could see.
CREATE FUNCTION listing_booked_ranges(target_listing bigint, from_date date, to_date date)
    RETURNS TABLE (check_in date, check_out date)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    SET app.actor = 'system:availability'
    AS $$
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
    $$;

SELECT audit_enable('bookings');
"""

REVERSE = """
DROP FUNCTION listing_booked_ranges(bigint, date, date);
DROP TRIGGER bookings_audit_insert ON bookings;
DROP TRIGGER bookings_audit_update ON bookings;
DROP TRIGGER bookings_audit_delete ON bookings;
DROP POLICY bookings_privileged ON bookings;
DROP POLICY bookings_parties_read ON bookings;
DROP POLICY bookings_guest_create ON bookings;
DROP POLICY bookings_parties_update ON bookings;
ALTER TABLE bookings DISABLE ROW LEVEL SECURITY;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_initial"),
        ("listings", "0003_row_level_security_audit_versions"),
        ("core", "0002_runtime_role_and_audit_functions"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
