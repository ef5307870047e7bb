"""bookings: one calendar per listing, guarded by PostgreSQL (issue 16).

calendar_entries (bookings.0015) holds the nights of every pending or confirmed booking and
every block a host lays; its exclusion constraint calendar_entries_no_overlap keeps any two
entries of a listing apart, and calendar_entries_preparation keeps bookings' nights plus their
preparation nights (turnover_end) apart — racing transactions included: the second insert waits
for the first to end, then fails or succeeds. It replaces bookings_no_overlap, dropped here
once every pending and confirmed booking has its entry.

- bookings_sync_calendar (AFTER INSERT, UPDATE OF status/listing_id/check_in/check_out, DELETE
  on bookings; SECURITY DEFINER, as the system actor system:calendar): a booking that starts
  holding nights gets its entry ([check_in, check_out), turnover_end = check_out + the
  listing's preparation_days at that time); one that stops holding them (declined, cancelled,
  expired, completed, deleted) loses it; a privileged date change moves it. An overlap is
  refused as the booking's insert or update, with the constraint's name.
- calendar_entries_guard (BEFORE INSERT/UPDATE/DELETE): a booking's entry is written by that
  trigger only (the tables' owner); a block belongs to its listing's tenant, names who laid it
  (system actors name the host they act for), and never becomes another listing's or a
  booking's.
- Row-level security: the listing's owner reads its calendar and lays or lifts its blocks;
  staff and system actors manage every entry; guests read nothing — they see dates through
  listing_unavailable_ranges().
- listing_unavailable_ranges(listing, from, to) replaces listing_booked_ranges: the ranges a
  new stay may not touch — blocks, and bookings widened by the preparation nights on both
  sides (before: the listing's current preparation_days, the new stay's own; after: the
  booking's turnover_end) — without saying whose.
- bookings_guard_privileged_columns() restated whole (from bookings.0014): a guest's booking
  keeps the listing's min_nights/max_nights, advance_notice_days and booking_window_days
  (listings.0022), refused as bookings_stay_rules.
"""

import importlib

from django.db import migrations

from apps.core.db.comments import audit_trigger_comments, comment_on

GUARD_BEFORE = importlib.import_module("apps.bookings.migrations.0014_instant_book_guard").SQL

GUARD = """
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
    listing_instant boolean;
    min_nights integer;
    max_nights integer;
    notice_days integer;
    window_days integer;
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
        -- As the guest sees the listing: a listing they cannot see has no price to book at.
        SELECT l.tenant_id, l.instant_book, l.min_nights, l.max_nights, l.advance_notice_days,
               l.booking_window_days
        INTO listing_tenant, listing_instant, min_nights, max_nights, notice_days, window_days
        FROM listings l WHERE l.id = NEW.listing_id;
        -- The host's calendar rules (listings.0022), today being CURRENT_DATE as for every
        -- date rule of ours (apps/core/dates.py).
        IF NEW.check_out - NEW.check_in NOT BETWEEN min_nights AND max_nights THEN
            RAISE EXCEPTION 'a stay of this listing lasts % to % nights',
                            min_nights, max_nights
                USING ERRCODE = 'check_violation', TABLE = 'bookings', COLUMN = 'check_out',
                      CONSTRAINT = 'bookings_stay_rules';
        END IF;
        IF NEW.check_in < CURRENT_DATE + notice_days
           OR NEW.check_in > CURRENT_DATE + window_days THEN
            RAISE EXCEPTION 'a stay of this listing starts % to % days from today',
                            notice_days, window_days
                USING ERRCODE = 'check_violation', TABLE = 'bookings', COLUMN = 'check_in',
                      CONSTRAINT = 'bookings_stay_rules';
        END IF;
        -- Pending; confirmed at once on a listing with instant book, and only there.
        IF (coalesce(listing_instant, false) AND NEW.status <> 'confirmed')
           OR (NOT coalesce(listing_instant, false) AND NEW.status <> 'pending') THEN
            PERFORM app_refuse_column(TG_RELID, 'status',
                                      'a new booking is pending, or confirmed on a listing '
                                      'with instant book');
        END IF;
        IF NEW.cancellation_reason <> '' THEN
            PERFORM app_refuse_column(TG_RELID, 'cancellation_reason', 'a new booking is pending');
        END IF;
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
    'BEFORE INSERT/UPDATE on bookings: creation at the listing''s quote (listing_quote), '
    'pending (confirmed on a listing with instant book), within the host''s calendar rules '
    '(nights, advance notice, booking window); the status moves each party may make, an '
    'immutable booking, quote and policy, and a cancellation that records who cancelled and '
    'the refund; expiry: pending to expired by the expiry job or sweep only, and never out '
    'of expired (see the migrations bookings.0004, bookings.0010 to bookings.0012, '
    'bookings.0014, bookings.0016 and docs/security.md).';
COMMENT ON TRIGGER bookings_guard_privileged_columns ON bookings IS
    'A booking created by its guest is pending (confirmed on a listing with instant book), '
    'priced by the listing''s quote and within its calendar rules.';

"""

SQL = """
-- Every booking holding nights gets its entry before the old constraint goes.
INSERT INTO calendar_entries (listing_id, tenant_id, kind, booking_id, start_date, end_date,
                              turnover_end)
SELECT b.listing_id, b.tenant_id, 'booking', b.id, b.check_in, b.check_out, b.check_out
FROM bookings b WHERE b.status IN ('pending', 'confirmed');

ALTER TABLE calendar_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_entries FORCE ROW LEVEL SECURITY;

CREATE POLICY calendar_entries_owner_read ON calendar_entries FOR SELECT
    USING (EXISTS (SELECT 1 FROM listings l
                   WHERE l.id = calendar_entries.listing_id
                     AND l.owner_id = (SELECT app_user_id())));
CREATE POLICY calendar_entries_owner_blocks ON calendar_entries
    USING (kind = 'block' AND EXISTS (
        SELECT 1 FROM listings l
        WHERE l.id = calendar_entries.listing_id AND l.owner_id = (SELECT app_user_id())))
    WITH CHECK (kind = 'block' AND tenant_id = (SELECT app_tenant_id()) AND EXISTS (
        SELECT 1 FROM listings l
        WHERE l.id = calendar_entries.listing_id AND l.owner_id = (SELECT app_user_id())));
CREATE POLICY calendar_entries_staff_and_system ON calendar_entries
    USING ((SELECT app_is_privileged()))
    WITH CHECK ((SELECT app_is_privileged()));

SELECT audit_enable('calendar_entries');

CREATE FUNCTION calendar_entries_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    listing_tenant bigint;
BEGIN
    IF app_runs_as_owner(TG_RELID) THEN
        RETURN coalesce(NEW, OLD);  -- bookings_sync_calendar, migrations, restores
    END IF;
    IF (TG_OP <> 'INSERT' AND OLD.kind = 'booking')
       OR (TG_OP <> 'DELETE' AND NEW.kind = 'booking') THEN
        PERFORM app_refuse_column(TG_RELID, 'kind',
                                  'a booking''s nights are written with the booking');
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.listing_id IS DISTINCT FROM OLD.listing_id THEN
        PERFORM app_refuse_column(TG_RELID, 'listing_id', 'a block stays on its listing');
    END IF;
    SELECT l.tenant_id INTO listing_tenant FROM listings l WHERE l.id = NEW.listing_id;
    IF NEW.tenant_id IS DISTINCT FROM listing_tenant THEN
        PERFORM app_refuse_column(TG_RELID, 'tenant_id', 'a block is in its listing''s tenant');
    END IF;
    -- System actors (seeding, imports) lay blocks on a host's behalf and name the host.
    IF NOT app_is_system_actor()
       AND ((TG_OP = 'INSERT' AND NEW.created_by_id IS DISTINCT FROM app_user_id())
            OR (TG_OP = 'UPDATE' AND NEW.created_by_id IS DISTINCT FROM OLD.created_by_id)) THEN
        PERFORM app_refuse_column(TG_RELID, 'created_by_id', 'it names who laid the block');
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER calendar_entries_guard BEFORE INSERT OR UPDATE OR DELETE ON calendar_entries
    FOR EACH ROW EXECUTE FUNCTION calendar_entries_guard();

CREATE FUNCTION bookings_sync_calendar() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET app.actor = 'system:calendar'
    AS $$
DECLARE
    held_before boolean := TG_OP <> 'INSERT' AND OLD.status IN ('pending', 'confirmed');
    held_after boolean := TG_OP <> 'DELETE' AND NEW.status IN ('pending', 'confirmed');
BEGIN
    IF held_before AND held_after THEN
        IF (NEW.listing_id, NEW.check_in, NEW.check_out)
           IS DISTINCT FROM (OLD.listing_id, OLD.check_in, OLD.check_out) THEN
            UPDATE calendar_entries e
            SET listing_id = NEW.listing_id, tenant_id = NEW.tenant_id,
                start_date = NEW.check_in, end_date = NEW.check_out,
                turnover_end = NEW.check_out + (e.turnover_end - e.end_date)
            WHERE e.booking_id = NEW.id;
        END IF;
    ELSIF held_before THEN
        DELETE FROM calendar_entries e WHERE e.booking_id = OLD.id;
    ELSIF held_after THEN
        INSERT INTO calendar_entries (listing_id, tenant_id, kind, booking_id, start_date,
                                      end_date, turnover_end)
        SELECT NEW.listing_id, NEW.tenant_id, 'booking', NEW.id, NEW.check_in, NEW.check_out,
               NEW.check_out + l.preparation_days
        FROM listings l WHERE l.id = NEW.listing_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER bookings_sync_calendar
    AFTER INSERT OR DELETE OR UPDATE OF status, listing_id, check_in, check_out ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_sync_calendar();

CREATE FUNCTION listing_unavailable_ranges(target_listing bigint, from_date date, to_date date)
    RETURNS TABLE(start_date date, end_date date)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    SET app.actor = 'system:availability'
    AS $$
    WITH listing AS (
        SELECT l.id, l.preparation_days FROM listings l
        WHERE l.id = target_listing
          AND ((l.tenant_id = app_tenant_id() AND l.status = 'published'
                AND l.is_active AND l.deleted_at IS NULL)
               OR l.owner_id = app_user_id()
               OR app_setting('app.is_staff') = 'on')
    )
    SELECT CASE e.kind WHEN 'booking' THEN e.start_date - listing.preparation_days
                       ELSE e.start_date END,
           e.turnover_end
    FROM listing
    JOIN calendar_entries e ON e.listing_id = listing.id
    -- Bare columns against the bounds: calendar_entries_lookup serves it.
    WHERE e.turnover_end > from_date
      AND e.start_date < to_date + listing.preparation_days
      AND (e.kind = 'booking' OR e.start_date < to_date)
    ORDER BY 1, 2
$$;

DROP FUNCTION listing_booked_ranges(bigint, date, date);
"""

REVERSE = """
CREATE FUNCTION listing_booked_ranges(target_listing bigint, from_date date, to_date date)
    RETURNS TABLE(check_in date, check_out date)
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
COMMENT ON FUNCTION listing_booked_ranges(bigint, date, date) IS
    'The booked date ranges of a listing the caller may see, without revealing who booked '
    '(for availability calendars and search).';
DROP FUNCTION listing_unavailable_ranges(bigint, date, date);
DROP TRIGGER bookings_sync_calendar ON bookings;
DROP FUNCTION bookings_sync_calendar();
DROP TRIGGER calendar_entries_guard ON calendar_entries;
DROP FUNCTION calendar_entries_guard();
DROP TRIGGER calendar_entries_audit_insert ON calendar_entries;
DROP TRIGGER calendar_entries_audit_update ON calendar_entries;
DROP TRIGGER calendar_entries_audit_delete ON calendar_entries;
DROP POLICY calendar_entries_staff_and_system ON calendar_entries;
DROP POLICY calendar_entries_owner_blocks ON calendar_entries;
DROP POLICY calendar_entries_owner_read ON calendar_entries;
ALTER TABLE calendar_entries NO FORCE ROW LEVEL SECURITY;
ALTER TABLE calendar_entries DISABLE ROW LEVEL SECURITY;
DELETE FROM calendar_entries;
"""

COMMENTS = {
    "TABLE calendar_entries": (
        "One listing's calendar: the nights of its pending and confirmed bookings (written by "
        "bookings_sync_calendar) and its host's blocks; two entries never overlap."
    ),
    "POLICY calendar_entries_owner_read ON calendar_entries": (
        "A listing's owner reads its whole calendar."
    ),
    "POLICY calendar_entries_owner_blocks ON calendar_entries": (
        "A listing's owner lays and lifts its blocks, in their tenant."
    ),
    "POLICY calendar_entries_staff_and_system ON calendar_entries": (
        "Staff and system actors manage every calendar entry."
    ),
    "FUNCTION calendar_entries_guard()": (
        "BEFORE INSERT/UPDATE/DELETE on calendar_entries: a booking's entry is written by "
        "bookings_sync_calendar only; a block stays in its listing and tenant and names who "
        "laid it (migration bookings.0016)."
    ),
    "TRIGGER calendar_entries_guard ON calendar_entries": (
        "Only PostgreSQL writes a booking's nights; a block keeps its listing, tenant and author."
    ),
    "FUNCTION bookings_sync_calendar()": (
        "AFTER INSERT/UPDATE/DELETE on bookings: keeps each pending or confirmed booking's "
        "entry in calendar_entries (its nights, and its preparation nights as turnover_end), "
        "so that the calendar's exclusion constraints refuse an overlapping booking."
    ),
    "TRIGGER bookings_sync_calendar ON bookings": (
        "A booking holding nights has its calendar entry; one that stops holding them loses it."
    ),
    "FUNCTION listing_unavailable_ranges(target_listing bigint, from_date date, to_date date)": (
        "The ranges of a listing's calendar a new stay may not touch (blocks; bookings with "
        "their preparation nights on both sides), for a listing the caller may see, without "
        "saying whose: availability, quotes and search."
    ),
    "CONSTRAINT calendar_entries_no_overlap ON calendar_entries": (
        "No two entries of a listing's calendar (bookings, blocks) share a night."
    ),
    "CONSTRAINT calendar_entries_preparation ON calendar_entries": (
        "Bookings of a listing keep their preparation nights between them."
    ),
    **audit_trigger_comments("calendar_entries"),
}


class Migration(migrations.Migration):
    dependencies = [("bookings", "0015_calendar"), ("listings", "0022_calendar_rules")]

    operations = [
        migrations.RunSQL(SQL, REVERSE),
        migrations.RunSQL(GUARD, GUARD_BEFORE),
        comment_on(COMMENTS),
        # The calendar's constraint guards bookings now.
        migrations.RemoveConstraint(model_name="booking", name="bookings_no_overlap"),
    ]
