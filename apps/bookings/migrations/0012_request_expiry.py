"""bookings: requests that expire (issue 16).

- status `expired`: a pending request its host did not answer within
  BOOKING_REQUEST_TTL_HOURS. The exclusion constraint bookings_no_overlap holds pending and
  confirmed bookings only, so an expired request frees its nights as it expires;
- bookings_guard_privileged_columns() restated whole (from bookings.0011): only the expiry job
  (system:job:expire_booking_request) and the sweep (command:expire_booking_requests) move a
  booking to expired, and only from pending; nobody moves it out of expired (staff
  included): its nights may be someone else's by then;
- a partial index on created_at of pending bookings, behind the sweep's filter.
"""

import importlib

from django.conf import settings
from django.db import migrations, models

# Backwards: the guard as bookings.0011 wrote it.
REVERSE = importlib.import_module("apps.bookings.migrations.0011_refunds").SQL.split(
    "DROP TRIGGER bookings_guard_privileged_columns_update"
)[0]

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
        IF OLD.status = 'expired' THEN
            allowed := false;
        ELSIF NEW.status = 'expired' THEN
            allowed := OLD.status = 'pending'
                       AND actor IN ('system:job:expire_booking_request',
                                     'command:expire_booking_requests');
        ELSIF NEW.status = 'completed' THEN
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

    IF NOT trusted THEN
        column_name := app_first_changed_column(
            to_jsonb(OLD), to_jsonb(NEW),
            '{cancellation_reason,cancelled_by,cancelled_at,refund_cents,refund_rule}');
        IF column_name IS NOT NULL
           AND NOT (NEW.status = 'cancelled' AND OLD.status <> 'cancelled') THEN
            PERFORM app_refuse_column(TG_RELID, column_name,
                                      'it is written with the cancellation only');
        END IF;
        -- A party's cancellation says who cancelled (a host's counts against the host, and
        -- refunds in full: CHECK bookings_host_cancel_refunds_all), when, and the refund.
        IF NEW.status = 'cancelled' AND OLD.status <> 'cancelled' THEN
            IF NEW.cancelled_by IS DISTINCT FROM (
                   CASE WHEN OLD.guest_id = who THEN 'guest'
                        WHEN by_host THEN 'host'
                        ELSE 'staff' END) THEN
                PERFORM app_refuse_column(TG_RELID, 'cancelled_by',
                                          'it names the cancelling party');
            END IF;
            IF NEW.refund_cents IS NULL OR NEW.refund_rule = '' OR NEW.cancelled_at IS NULL THEN
                PERFORM app_refuse_column(TG_RELID, 'refund_cents',
                                          'a cancellation records its refund and time');
            END IF;
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION bookings_guard_privileged_columns() IS
    'BEFORE INSERT/UPDATE on bookings: pending-only creation at the listing''s quote '
    '(listing_quote), the status moves each party may make, an immutable booking, quote '
    'and policy, and a cancellation that records who cancelled and the refund; expiry: '
    'pending to expired by the expiry job or sweep only, and never out of expired (see the '
    'migrations bookings.0004, bookings.0010, bookings.0011, bookings.0012 and '
    'docs/security.md).';

"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0016_email_change_guard"),
        ("bookings", "0011_refunds"),
        ("listings", "0020_pricing_sql"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="booking",
            name="bookings_status_valid",
        ),
        migrations.AlterField(
            model_name="booking",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("confirmed", "Confirmed"),
                    ("declined", "Declined"),
                    ("cancelled", "Cancelled"),
                    ("completed", "Completed"),
                    ("expired", "Expired"),
                ],
                db_default="pending",
                default="pending",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["created_at"],
                name="bookings_pending_created_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        ["pending", "confirmed", "declined", "cancelled", "completed", "expired"],
                    )
                ),
                name="bookings_status_valid",
            ),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
