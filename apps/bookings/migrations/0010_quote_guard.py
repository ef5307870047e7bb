"""bookings: a guest's booking is priced by listing_quote(), and its quote never changes.

Restates bookings_guard_privileged_columns (bookings.0004) whole. What changes:
- on INSERT by the guest, the row's quote must be listing_quote(listing, check_in,
  check_out, guests) as the guest sees the listing at that moment (migration listings.0020:
  the nights with their overrides, extra guests, discount, cleaning fee), and total_cents,
  currency and cancellation_policy the quote's; tenant the listing's. A mismatch is refused
  as bookings_price_matches_listing, as before;
- quote and cancellation_policy join the columns nobody but staff holding
  bookings.change_booking or a system actor may change.
"""

import importlib

from django.db import migrations

# Backwards: the guard as bookings.0004 wrote it, before bookings.0009 drops the columns its
# update trigger names (a dropped column would take the trigger with it).
BEFORE = importlib.import_module("apps.bookings.migrations.0004_privileged_columns").SQL
REVERSE = f"""
DROP TRIGGER bookings_guard_privileged_columns_update ON bookings;
DROP TRIGGER bookings_guard_privileged_columns ON bookings;
DROP FUNCTION bookings_guard_privileged_columns();
{BEFORE}
"""

SQL = """
CREATE OR REPLACE FUNCTION bookings_guard_privileged_columns() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    actor text := coalesce(app_setting('app.actor'), '');
    who bigint := app_user_id();
    trusted boolean;
    column_name text;
    expected jsonb;
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
        SELECT l.tenant_id INTO listing_tenant FROM listings l WHERE l.id = NEW.listing_id;
        expected := listing_quote(NEW.listing_id, NEW.check_in, NEW.check_out, NEW.guests);
        IF expected IS NULL
           OR NEW.quote IS DISTINCT FROM expected
           OR NEW.total_cents IS DISTINCT FROM (expected ->> 'total_cents')::bigint
           OR NEW.currency IS DISTINCT FROM expected ->> 'currency'
           OR NEW.cancellation_policy IS DISTINCT FROM expected ->> 'cancellation_policy'
           OR NEW.tenant_id IS DISTINCT FROM listing_tenant THEN
            RAISE EXCEPTION 'a booking costs the listing''s quote for its stay '
                            '(listing_quote), in the listing''s currency, policy and tenant'
                USING ERRCODE = 'check_violation', TABLE = 'bookings', COLUMN = 'total_cents',
                      CONSTRAINT = 'bookings_price_matches_listing';
        END IF;
        RETURN NEW;
    END IF;

    IF NOT trusted THEN
        column_name := app_first_changed_column(
            to_jsonb(OLD), to_jsonb(NEW),
            '{listing_id,guest_id,tenant_id,check_in,check_out,guests,total_cents,currency,'
            'quote,cancellation_policy}');
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
    'BEFORE INSERT/UPDATE on bookings: pending-only creation at the listing''s quote '
    '(listing_quote), the status moves each party may make, and an immutable booking, quote '
    'and policy (see the migrations bookings.0004, bookings.0010 and docs/security.md).';

DROP TRIGGER bookings_guard_privileged_columns_update ON bookings;
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
        OR OLD.currency IS DISTINCT FROM NEW.currency
        OR OLD.quote IS DISTINCT FROM NEW.quote
        OR OLD.cancellation_policy IS DISTINCT FROM NEW.cancellation_policy)
    EXECUTE FUNCTION bookings_guard_privileged_columns();
COMMENT ON TRIGGER bookings_guard_privileged_columns_update ON bookings IS
    'Status moves by the entitled party only; the booking, its quote and policy never change.';
COMMENT ON TRIGGER bookings_guard_privileged_columns ON bookings IS
    'A booking created by its guest is pending and priced by the listing''s quote.';
"""


class Migration(migrations.Migration):
    dependencies = [("bookings", "0009_frozen_quote"), ("listings", "0020_pricing_sql")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
