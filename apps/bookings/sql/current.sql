-- The current definition of the bookings app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [function] bookings_check_in_within_advance() — Refuses the row: its stay starts more than 3660 days ahead (trigger of the same name).
CREATE OR REPLACE FUNCTION public.bookings_check_in_within_advance()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'public', 'pg_temp'
AS $function$
BEGIN
    RAISE EXCEPTION 'check_in % is more than 3660 days ahead', NEW.check_in
        USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_check_in_within_advance',
              TABLE = 'bookings', COLUMN = 'check_in';
END;
$function$;
COMMENT ON FUNCTION bookings_check_in_within_advance() IS 'Refuses the row: its stay starts more than 3660 days ahead (trigger of the same name).';

-- [function] bookings_guard_privileged_columns() — BEFORE INSERT/UPDATE on bookings: creation at the listing's quote (listing_quote), pending (confirmed on a listing with instant book), within the host's calendar rules (nights, advance notice, booking window); the status moves each party may make, an immutable booking, quote and policy, and a cancellation that records who cancelled and the refund; expiry: pending to expired by the expiry job or sweep only, and never out of expired (see the migrations bookings.0004, bookings.0010 to bookings.0012, bookings.0014, bookings.0016 and docs/security.md).
CREATE OR REPLACE FUNCTION public.bookings_guard_privileged_columns()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$;
COMMENT ON FUNCTION bookings_guard_privileged_columns() IS 'BEFORE INSERT/UPDATE on bookings: creation at the listing''s quote (listing_quote), pending (confirmed on a listing with instant book), within the host''s calendar rules (nights, advance notice, booking window); the status moves each party may make, an immutable booking, quote and policy, and a cancellation that records who cancelled and the refund; expiry: pending to expired by the expiry job or sweep only, and never out of expired (see the migrations bookings.0004, bookings.0010 to bookings.0012, bookings.0014, bookings.0016 and docs/security.md).';

-- [function] bookings_limit_pending_per_guest() — BEFORE INSERT/UPDATE OF status on bookings: a guest's pending requests stay within bookings_max_pending_requests(), racing requests included (a per-guest advisory lock, then a count); refused as bookings_max_pending_per_guest (migration bookings.0013).
CREATE OR REPLACE FUNCTION public.bookings_limit_pending_per_guest()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'pending' THEN
        RETURN NEW;
    END IF;
    IF app_runs_as_owner(TG_RELID) THEN
        RETURN NEW;  -- the tables' owner (migrations, restores)
    END IF;
    -- Racing requests of one guest queue here; the count below then runs in a snapshot taken
    -- after the lock (READ COMMITTED, a volatile function): it sees the winner's booking.
    PERFORM pg_advisory_xact_lock(hashtextextended('bookings:pending:' || NEW.guest_id, 0));
    -- Under row-level security: a guest counts their own bookings (the only ones they may
    -- create), staff and system actors every booking.
    IF (SELECT count(*) FROM bookings b
        WHERE b.guest_id = NEW.guest_id AND b.status = 'pending'
          AND b.id IS DISTINCT FROM NEW.id) >= bookings_max_pending_requests() THEN
        RAISE EXCEPTION 'a guest has at most % pending booking requests at once',
                        bookings_max_pending_requests()
            USING ERRCODE = 'check_violation', TABLE = 'bookings', COLUMN = 'status',
                  CONSTRAINT = 'bookings_max_pending_per_guest';
    END IF;
    RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION bookings_limit_pending_per_guest() IS 'BEFORE INSERT/UPDATE OF status on bookings: a guest''s pending requests stay within bookings_max_pending_requests(), racing requests included (a per-guest advisory lock, then a count); refused as bookings_max_pending_per_guest (migration bookings.0013).';

-- [function] bookings_max_pending_requests() — How many pending requests a guest may have at once: MAX_PENDING_REQUESTS_PER_GUEST, which must say the same (check bookings.E002); changed by a migration restating this function.
CREATE OR REPLACE FUNCTION public.bookings_max_pending_requests()
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$ SELECT 3 $function$;
COMMENT ON FUNCTION bookings_max_pending_requests() IS 'How many pending requests a guest may have at once: MAX_PENDING_REQUESTS_PER_GUEST, which must say the same (check bookings.E002); changed by a migration restating this function.';

-- [function] bookings_sync_calendar() — AFTER INSERT/UPDATE/DELETE on bookings: keeps each pending or confirmed booking's entry in calendar_entries (its nights, and its preparation nights as turnover_end), so that the calendar's exclusion constraints refuse an overlapping booking.
CREATE OR REPLACE FUNCTION public.bookings_sync_calendar()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
 SET "app.actor" TO 'system:calendar'
AS $function$
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
$function$;
COMMENT ON FUNCTION bookings_sync_calendar() IS 'AFTER INSERT/UPDATE/DELETE on bookings: keeps each pending or confirmed booking''s entry in calendar_entries (its nights, and its preparation nights as turnover_end), so that the calendar''s exclusion constraints refuse an overlapping booking.';

-- [function] calendar_entries_guard() — BEFORE INSERT/UPDATE/DELETE on calendar_entries: a booking's entry is written by bookings_sync_calendar only; a block stays in its listing and tenant and names who laid it (migration bookings.0016).
CREATE OR REPLACE FUNCTION public.calendar_entries_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$;
COMMENT ON FUNCTION calendar_entries_guard() IS 'BEFORE INSERT/UPDATE/DELETE on calendar_entries: a booking''s entry is written by bookings_sync_calendar only; a block stays in its listing and tenant and names who laid it (migration bookings.0016).';

-- [function] listing_unavailable_ranges(target_listing bigint, from_date date, to_date date) — The ranges of a listing's calendar a new stay may not touch (blocks; bookings with their preparation nights on both sides), for a listing the caller may see, without saying whose: availability, quotes and search.
CREATE OR REPLACE FUNCTION public.listing_unavailable_ranges(target_listing bigint, from_date date, to_date date)
 RETURNS TABLE(start_date date, end_date date)
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
 SET "app.actor" TO 'system:availability'
AS $function$
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
$function$;
COMMENT ON FUNCTION listing_unavailable_ranges(target_listing bigint, from_date date, to_date date) IS 'The ranges of a listing''s calendar a new stay may not touch (blocks; bookings with their preparation nights on both sides), for a listing the caller may see, without saying whose: availability, quotes and search.';

-- [row level security] bookings — row-level security enabled, forced on the owner too
ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
ALTER TABLE bookings FORCE ROW LEVEL SECURITY;

-- [row level security] calendar_entries — row-level security enabled, forced on the owner too
ALTER TABLE calendar_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_entries FORCE ROW LEVEL SECURITY;

-- [row level security] calendar_exports — row-level security enabled, forced on the owner too
ALTER TABLE calendar_exports ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_exports FORCE ROW LEVEL SECURITY;

-- [row level security] calendar_feeds — row-level security enabled, forced on the owner too
ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY;

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

-- [policy] calendar_entries_owner_blocks ON calendar_entries — A listing's owner lays and lifts its blocks, in their tenant.
CREATE POLICY calendar_entries_owner_blocks ON calendar_entries
    FOR ALL TO public
    USING (kind::text = 'block'::text
        AND (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = calendar_entries.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))))
    WITH CHECK (kind::text = 'block'::text
        AND tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = calendar_entries.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))));
COMMENT ON POLICY calendar_entries_owner_blocks ON calendar_entries IS 'A listing''s owner lays and lifts its blocks, in their tenant.';

-- [policy] calendar_entries_owner_read ON calendar_entries — A listing's owner reads its whole calendar.
CREATE POLICY calendar_entries_owner_read ON calendar_entries
    FOR SELECT TO public
    USING ((EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = calendar_entries.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))));
COMMENT ON POLICY calendar_entries_owner_read ON calendar_entries IS 'A listing''s owner reads its whole calendar.';

-- [policy] calendar_entries_staff_and_system ON calendar_entries — Staff and system actors manage every calendar entry.
CREATE POLICY calendar_entries_staff_and_system ON calendar_entries
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY calendar_entries_staff_and_system ON calendar_entries IS 'Staff and system actors manage every calendar entry.';

-- [policy] calendar_exports_owner ON calendar_exports — A listing's owner reads and rotates its calendar URL.
CREATE POLICY calendar_exports_owner ON calendar_exports
    FOR ALL TO public
    USING ((EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = calendar_exports.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))))
    WITH CHECK ((EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = calendar_exports.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))));
COMMENT ON POLICY calendar_exports_owner ON calendar_exports IS 'A listing''s owner reads and rotates its calendar URL.';

-- [policy] calendar_exports_staff_and_system ON calendar_exports — Staff and system actors (the export, which checks the token) manage every row.
CREATE POLICY calendar_exports_staff_and_system ON calendar_exports
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY calendar_exports_staff_and_system ON calendar_exports IS 'Staff and system actors (the export, which checks the token) manage every row.';

-- [policy] calendar_feeds_owner ON calendar_feeds — A listing's owner reads, adds and removes its imported calendars.
CREATE POLICY calendar_feeds_owner ON calendar_feeds
    FOR ALL TO public
    USING ((EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = calendar_feeds.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))))
    WITH CHECK (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = calendar_feeds.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))));
COMMENT ON POLICY calendar_feeds_owner ON calendar_feeds IS 'A listing''s owner reads, adds and removes its imported calendars.';

-- [policy] calendar_feeds_staff_and_system ON calendar_feeds — Staff and system actors (the sync job) manage every imported calendar.
CREATE POLICY calendar_feeds_staff_and_system ON calendar_feeds
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY calendar_feeds_staff_and_system ON calendar_feeds IS 'Staff and system actors (the sync job) manage every imported calendar.';

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

-- [trigger] bookings_check_in_within_advance ON bookings — The database's ceiling on BOOKING_MAX_ADVANCE_DAYS: a check_in written is at most 3660 days ahead.
CREATE TRIGGER bookings_check_in_within_advance BEFORE INSERT OR UPDATE OF check_in ON public.bookings
    FOR EACH ROW
    WHEN ( (new.check_in > (CURRENT_DATE + 3660)))
    EXECUTE FUNCTION bookings_check_in_within_advance();
COMMENT ON TRIGGER bookings_check_in_within_advance ON bookings IS 'The database''s ceiling on BOOKING_MAX_ADVANCE_DAYS: a check_in written is at most 3660 days ahead.';

-- [trigger] bookings_guard_privileged_columns ON bookings — A booking created by its guest is pending (confirmed on a listing with instant book), priced by the listing's quote and within its calendar rules.
CREATE TRIGGER bookings_guard_privileged_columns BEFORE INSERT ON public.bookings
    FOR EACH ROW
    EXECUTE FUNCTION bookings_guard_privileged_columns();
COMMENT ON TRIGGER bookings_guard_privileged_columns ON bookings IS 'A booking created by its guest is pending (confirmed on a listing with instant book), priced by the listing''s quote and within its calendar rules.';

-- [trigger] bookings_guard_privileged_columns_update ON bookings — Status moves by the entitled party only; the booking, its quote and policy never change; who cancelled and the refund are written with the cancellation only.
CREATE TRIGGER bookings_guard_privileged_columns_update BEFORE UPDATE ON public.bookings
    FOR EACH ROW
    WHEN ( (((old.status)::text IS DISTINCT FROM (new.status)::text) OR (old.cancellation_reason IS DISTINCT FROM new.cancellation_reason) OR ((old.cancelled_by)::text IS DISTINCT FROM (new.cancelled_by)::text) OR (old.cancelled_at IS DISTINCT FROM new.cancelled_at) OR (old.refund_cents IS DISTINCT FROM new.refund_cents) OR ((old.refund_rule)::text IS DISTINCT FROM (new.refund_rule)::text) OR (old.listing_id IS DISTINCT FROM new.listing_id) OR (old.guest_id IS DISTINCT FROM new.guest_id) OR (old.tenant_id IS DISTINCT FROM new.tenant_id) OR (old.check_in IS DISTINCT FROM new.check_in) OR (old.check_out IS DISTINCT FROM new.check_out) OR (old.guests IS DISTINCT FROM new.guests) OR (old.total_cents IS DISTINCT FROM new.total_cents) OR ((old.currency)::text IS DISTINCT FROM (new.currency)::text) OR (old.quote IS DISTINCT FROM new.quote) OR ((old.cancellation_policy)::text IS DISTINCT FROM (new.cancellation_policy)::text)))
    EXECUTE FUNCTION bookings_guard_privileged_columns();
COMMENT ON TRIGGER bookings_guard_privileged_columns_update ON bookings IS 'Status moves by the entitled party only; the booking, its quote and policy never change; who cancelled and the refund are written with the cancellation only.';

-- [trigger] bookings_limit_pending_per_guest ON bookings — A guest has at most bookings_max_pending_requests() pending requests at once.
CREATE TRIGGER bookings_limit_pending_per_guest BEFORE INSERT OR UPDATE OF status ON public.bookings
    FOR EACH ROW
    WHEN ( ((new.status)::text = 'pending'::text))
    EXECUTE FUNCTION bookings_limit_pending_per_guest();
COMMENT ON TRIGGER bookings_limit_pending_per_guest ON bookings IS 'A guest has at most bookings_max_pending_requests() pending requests at once.';

-- [trigger] bookings_sync_calendar ON bookings — A booking holding nights has its calendar entry; one that stops holding them loses it.
CREATE TRIGGER bookings_sync_calendar AFTER INSERT OR DELETE OR UPDATE OF status, listing_id, check_in, check_out ON public.bookings
    FOR EACH ROW
    EXECUTE FUNCTION bookings_sync_calendar();
COMMENT ON TRIGGER bookings_sync_calendar ON bookings IS 'A booking holding nights has its calendar entry; one that stops holding them loses it.';

-- [trigger] calendar_entries_audit_delete ON calendar_entries — Audit trail: records in audit_logs every row a DELETE removes from calendar_entries, with who and from where.
CREATE TRIGGER calendar_entries_audit_delete AFTER DELETE ON public.calendar_entries
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER calendar_entries_audit_delete ON calendar_entries IS 'Audit trail: records in audit_logs every row a DELETE removes from calendar_entries, with who and from where.';

-- [trigger] calendar_entries_audit_insert ON calendar_entries — Audit trail: records in audit_logs every row an INSERT adds to calendar_entries, with who and from where.
CREATE TRIGGER calendar_entries_audit_insert AFTER INSERT ON public.calendar_entries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER calendar_entries_audit_insert ON calendar_entries IS 'Audit trail: records in audit_logs every row an INSERT adds to calendar_entries, with who and from where.';

-- [trigger] calendar_entries_audit_update ON calendar_entries — Audit trail: records in audit_logs every row an UPDATE changes in calendar_entries, with who and from where.
CREATE TRIGGER calendar_entries_audit_update AFTER UPDATE ON public.calendar_entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER calendar_entries_audit_update ON calendar_entries IS 'Audit trail: records in audit_logs every row an UPDATE changes in calendar_entries, with who and from where.';

-- [trigger] calendar_entries_guard ON calendar_entries — Only PostgreSQL writes a booking's nights; a block keeps its listing, tenant and author.
CREATE TRIGGER calendar_entries_guard BEFORE INSERT OR DELETE OR UPDATE ON public.calendar_entries
    FOR EACH ROW
    EXECUTE FUNCTION calendar_entries_guard();
COMMENT ON TRIGGER calendar_entries_guard ON calendar_entries IS 'Only PostgreSQL writes a booking''s nights; a block keeps its listing, tenant and author.';

-- [trigger] calendar_exports_audit_delete ON calendar_exports — Audit trail: records in audit_logs every row a DELETE removes from calendar_exports, with who and from where.
CREATE TRIGGER calendar_exports_audit_delete AFTER DELETE ON public.calendar_exports
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER calendar_exports_audit_delete ON calendar_exports IS 'Audit trail: records in audit_logs every row a DELETE removes from calendar_exports, with who and from where.';

-- [trigger] calendar_exports_audit_insert ON calendar_exports — Audit trail: records in audit_logs every row an INSERT adds to calendar_exports, with who and from where.
CREATE TRIGGER calendar_exports_audit_insert AFTER INSERT ON public.calendar_exports
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER calendar_exports_audit_insert ON calendar_exports IS 'Audit trail: records in audit_logs every row an INSERT adds to calendar_exports, with who and from where.';

-- [trigger] calendar_exports_audit_update ON calendar_exports — Audit trail: records in audit_logs every row an UPDATE changes in calendar_exports, with who and from where.
CREATE TRIGGER calendar_exports_audit_update AFTER UPDATE ON public.calendar_exports
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER calendar_exports_audit_update ON calendar_exports IS 'Audit trail: records in audit_logs every row an UPDATE changes in calendar_exports, with who and from where.';

-- [trigger] calendar_feeds_audit_delete ON calendar_feeds — Audit trail: records in audit_logs every row a DELETE removes from calendar_feeds, with who and from where.
CREATE TRIGGER calendar_feeds_audit_delete AFTER DELETE ON public.calendar_feeds
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER calendar_feeds_audit_delete ON calendar_feeds IS 'Audit trail: records in audit_logs every row a DELETE removes from calendar_feeds, with who and from where.';

-- [trigger] calendar_feeds_audit_insert ON calendar_feeds — Audit trail: records in audit_logs every row an INSERT adds to calendar_feeds, with who and from where.
CREATE TRIGGER calendar_feeds_audit_insert AFTER INSERT ON public.calendar_feeds
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER calendar_feeds_audit_insert ON calendar_feeds IS 'Audit trail: records in audit_logs every row an INSERT adds to calendar_feeds, with who and from where.';

-- [trigger] calendar_feeds_audit_update ON calendar_feeds — Audit trail: records in audit_logs every row an UPDATE changes in calendar_feeds, with who and from where.
CREATE TRIGGER calendar_feeds_audit_update AFTER UPDATE ON public.calendar_feeds
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER calendar_feeds_audit_update ON calendar_feeds IS 'Audit trail: records in audit_logs every row an UPDATE changes in calendar_feeds, with who and from where.';

-- [grant] ON SEQUENCE bookings_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE bookings_id_seq TO app_user;

-- [grant] ON SEQUENCE calendar_entries_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE calendar_entries_id_seq TO app_user;

-- [grant] ON SEQUENCE calendar_exports_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE calendar_exports_id_seq TO app_user;

-- [grant] ON SEQUENCE calendar_feeds_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE calendar_feeds_id_seq TO app_user;

-- [grant] ON TABLE bookings — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE bookings TO app_user;

-- [grant] ON TABLE calendar_entries — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE calendar_entries TO app_user;

-- [grant] ON TABLE calendar_exports — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE calendar_exports TO app_user;

-- [grant] ON TABLE calendar_feeds — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE calendar_feeds TO app_user;
