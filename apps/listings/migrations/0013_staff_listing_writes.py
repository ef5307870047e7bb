"""listings: staff change another owner's listing only with a listing permission.

Row-level security lets every staff context write every listing (listings_staff_and_system);
the services ask for listings.change_listing or listings.moderate_listing (apps/listings/
services.py, listing_check_actor). This guard makes PostgreSQL ask too, so that SQL run by a
staff request without those permissions — an injection, a service that forgot its check —
cannot rewrite, publish or delete someone else's listing. Owners, system actors and the rating
function (SECURITY DEFINER, the owner role) are not concerned: the trigger's WHEN clause only
lets staff contexts in, and the function returns at once for the rest.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION listings_guard_staff_writes() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF app_runs_as_owner(TG_RELID) OR app_is_system_actor()
       OR OLD.owner_id = app_user_id()
       OR app_has_permission('listings.change_listing')
       OR app_has_permission('listings.moderate_listing')
       OR (TG_OP = 'DELETE' AND app_has_permission('listings.delete_listing')) THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'permission denied to % listing %: staff need listings.change_listing or '
                    'listings.moderate_listing to change another owner''s listing', lower(TG_OP), OLD.id
        USING ERRCODE = 'insufficient_privilege', TABLE = 'listings',
              CONSTRAINT = 'listings_staff_writes';
END;
$$;
COMMENT ON FUNCTION listings_guard_staff_writes() IS
    'BEFORE UPDATE/DELETE on listings in a staff context: refuses (42501) a change of another '
    'owner''s listing unless the staff user holds change_listing or moderate_listing.';

CREATE TRIGGER listings_guard_staff_writes
    BEFORE UPDATE OR DELETE ON listings
    FOR EACH ROW WHEN (app_setting('app.is_staff') = 'on')
    EXECUTE FUNCTION listings_guard_staff_writes();
COMMENT ON TRIGGER listings_guard_staff_writes ON listings IS
    'Staff without a listing permission cannot change or delete another owner''s listing.';
"""

REVERSE = """
DROP TRIGGER listings_guard_staff_writes ON listings;
DROP FUNCTION listings_guard_staff_writes();
"""


class Migration(migrations.Migration):
    dependencies = [("listings", "0012_object_comments")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
