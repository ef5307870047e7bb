"""bookings: the status moves each party may make, and a price snapshot nobody rewrites.

Row-level security lets both parties update a booking; this trigger decides how:
- the guest creates only `pending` bookings, priced as booking_create prices them (nights ×
  the listing's nightly price, in its currency, in its tenant: recomputed here, a mismatch is
  refused as bookings_price_matches_listing), and only cancels a pending or confirmed one;
- the host confirms or declines a pending booking, or cancels a pending or confirmed one;
- staff holding bookings.cancel_booking cancel a pending or confirmed one;
- `completed` is reached only from `confirmed`, by complete_bookings
  (command:complete_bookings) or staff holding bookings.change_booking;
- cancellation_reason changes only with the move to `cancelled`;
- what was booked and its price (listing, guest, tenant, dates, guests, total_cents,
  currency) never change, except by staff holding bookings.change_booking or a system actor.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION bookings_guard_privileged_columns() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    actor text := coalesce(app_setting('app.actor'), '');
    who bigint := app_user_id();
    trusted boolean;
    column_name text;
    listing_price bigint;
    listing_currency text;
    listing_tenant bigint;
    by_host boolean;
    allowed boolean;
BEGIN
    IF app_runs_as_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    trusted := app_is_system_actor() OR app_has_permission('bookings.change_booking');
    IF TG_OP = 'INSERT' THEN
        IF trusted THEN
            RETURN NEW;
        END IF;
        IF NEW.status <> 'pending' THEN
            PERFORM app_refuse_column(TG_RELID, 'status', 'a new booking is pending');
        END IF;
        IF NEW.cancellation_reason <> '' THEN
            PERFORM app_refuse_column(TG_RELID, 'cancellation_reason', 'a new booking is pending');
        END IF;
        -- As the guest sees the listing: a listing they cannot see has no price to book at.
        SELECT l.price_cents, l.currency, l.tenant_id
        INTO listing_price, listing_currency, listing_tenant
        FROM listings l WHERE l.id = NEW.listing_id;
        IF NOT FOUND
           OR NEW.total_cents IS DISTINCT FROM (NEW.check_out - NEW.check_in) * listing_price
           OR NEW.currency IS DISTINCT FROM listing_currency
           OR NEW.tenant_id IS DISTINCT FROM listing_tenant THEN
            RAISE EXCEPTION 'a booking costs its nights times the listing''s nightly price, '
                            'in the listing''s currency and tenant'
                USING ERRCODE = 'check_violation', TABLE = 'bookings', COLUMN = 'total_cents',
                      CONSTRAINT = 'bookings_price_matches_listing';
        END IF;
        RETURN NEW;
    END IF;

    IF NOT trusted THEN
        column_name := app_first_changed_column(
            to_jsonb(OLD), to_jsonb(NEW),
            '{listing_id,guest_id,tenant_id,check_in,check_out,guests,total_cents,currency}');
        IF column_name IS NOT NULL THEN
            PERFORM app_refuse_column(TG_RELID, column_name,
                                      'what was booked and its price never change');
        END IF;
    END IF;

    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NEW.status = 'completed' THEN
            allowed := OLD.status = 'confirmed'
                       AND (actor = 'command:complete_bookings'
                            OR app_has_permission('bookings.change_booking'));
        ELSIF trusted THEN
            allowed := true;
        ELSE
            by_host := EXISTS (SELECT 1 FROM listings l
                               WHERE l.id = OLD.listing_id AND l.owner_id = who);
            allowed := (NEW.status = 'cancelled' AND OLD.status IN ('pending', 'confirmed')
                        AND (OLD.guest_id = who OR by_host
                             OR app_has_permission('bookings.cancel_booking')))
                       OR (NEW.status IN ('confirmed', 'declined') AND OLD.status = 'pending'
                           AND by_host);
        END IF;
        IF NOT allowed THEN
            PERFORM app_refuse_column(TG_RELID, 'status',
                                      format('this actor may not move a %s booking to %s',
                                             OLD.status, NEW.status));
        END IF;
    END IF;

    IF NEW.cancellation_reason IS DISTINCT FROM OLD.cancellation_reason AND NOT trusted
       AND NOT (NEW.status = 'cancelled' AND OLD.status <> 'cancelled') THEN
        PERFORM app_refuse_column(TG_RELID, 'cancellation_reason',
                                  'it is written with the cancellation only');
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION bookings_guard_privileged_columns() IS
    'BEFORE INSERT/UPDATE on bookings: pending-only creation at the listing''s price, the '
    'status moves each party may make, and an immutable booking and price snapshot (see the '
    'migration bookings.0004 and docs/security.md).';

CREATE TRIGGER bookings_guard_privileged_columns
    BEFORE INSERT ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_guard_privileged_columns();
COMMENT ON TRIGGER bookings_guard_privileged_columns ON bookings IS
    'A booking created by its guest is pending and priced from the listing.';

CREATE TRIGGER bookings_guard_privileged_columns_update
    BEFORE UPDATE ON bookings
    FOR EACH ROW WHEN (
        OLD.status IS DISTINCT FROM NEW.status
        OR OLD.cancellation_reason IS DISTINCT FROM NEW.cancellation_reason
        OR OLD.listing_id IS DISTINCT FROM NEW.listing_id
        OR OLD.guest_id IS DISTINCT FROM NEW.guest_id
        OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id
        OR OLD.check_in IS DISTINCT FROM NEW.check_in
        OR OLD.check_out IS DISTINCT FROM NEW.check_out
        OR OLD.guests IS DISTINCT FROM NEW.guests
        OR OLD.total_cents IS DISTINCT FROM NEW.total_cents
        OR OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION bookings_guard_privileged_columns();
COMMENT ON TRIGGER bookings_guard_privileged_columns_update ON bookings IS
    'Status moves by the entitled party only; the booking and its price never change.';
"""

REVERSE = """
DROP TRIGGER bookings_guard_privileged_columns_update ON bookings;
DROP TRIGGER bookings_guard_privileged_columns ON bookings;
DROP FUNCTION bookings_guard_privileged_columns();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_moderation_permissions"),
        ("listings", "0010_listing_relations_function"),
        ("core", "0007_permission_context"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
