from django.db import migrations

SQL = """
-- A review's listing is its booking's: set by the database, whatever the client sent.
-- Runs as a system actor (SET clause) to read the booking whoever writes the review.
CREATE FUNCTION reviews_set_listing() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET app.actor = 'system:reviews'
    AS $$
BEGIN
    SELECT b.listing_id INTO NEW.listing_id FROM bookings b WHERE b.id = NEW.booking_id;
    RETURN NEW;
END;
$$;
CREATE TRIGGER reviews_listing_from_booking
    BEFORE INSERT OR UPDATE OF booking_id, listing_id ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_set_listing();

-- The rating summary is written on the listing whoever wrote the review: as a system actor.
ALTER FUNCTION listings_refresh_rating(bigint) SECURITY DEFINER;
ALTER FUNCTION listings_refresh_rating(bigint) SET search_path = public, pg_temp;
ALTER FUNCTION listings_refresh_rating(bigint) SET app.actor = 'system:ratings';
CREATE OR REPLACE FUNCTION reviews_refresh_listing_rating() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM listings_refresh_rating(OLD.listing_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.listing_id <> OLD.listing_id) THEN
        PERFORM listings_refresh_rating(NEW.listing_id);
    END IF;
    RETURN NULL;
END;
$$;

-- reviews: the public reads visible reviews with their visible listing; the booking's guest
-- reads, writes and edits their own; staff and system actors everything.
ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE reviews FORCE ROW LEVEL SECURITY;
CREATE POLICY reviews_privileged ON reviews
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));
CREATE POLICY reviews_public_read ON reviews FOR SELECT
    USING (NOT is_hidden AND tenant_id = (SELECT app_tenant_id())
           AND EXISTS (SELECT 1 FROM listings l WHERE l.id = listing_id));
CREATE POLICY reviews_author ON reviews
    USING (EXISTS (SELECT 1 FROM bookings b
                   WHERE b.id = booking_id AND b.guest_id = (SELECT app_user_id())))
    WITH CHECK (tenant_id = (SELECT app_tenant_id())
                AND EXISTS (SELECT 1 FROM bookings b
                            WHERE b.id = booking_id AND b.guest_id = (SELECT app_user_id())));

SELECT audit_enable('reviews');
"""

REVERSE = """
DROP TRIGGER reviews_audit_insert ON reviews;
DROP TRIGGER reviews_audit_update ON reviews;
DROP TRIGGER reviews_audit_delete ON reviews;
DROP POLICY reviews_privileged ON reviews;
DROP POLICY reviews_public_read ON reviews;
DROP POLICY reviews_author ON reviews;
ALTER TABLE reviews DISABLE ROW LEVEL SECURITY;
DROP TRIGGER reviews_listing_from_booking ON reviews;
DROP FUNCTION reviews_set_listing();
ALTER FUNCTION listings_refresh_rating(bigint) SECURITY INVOKER;
ALTER FUNCTION listings_refresh_rating(bigint) RESET ALL;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0003_review_listing"),
        ("bookings", "0002_row_level_security"),
        ("core", "0002_runtime_role_and_audit_functions"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
