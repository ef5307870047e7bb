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

-- [function] bookings_guard_privileged_columns() — BEFORE INSERT/UPDATE on bookings: creation at the listing's quote, pending (confirmed on a listing with instant book) (listing_quote), the status moves each party may make, an immutable booking, quote and policy, and a cancellation that records who cancelled and the refund; expiry: pending to expired by the expiry job or sweep only, and never out of expired (see the migrations bookings.0004, bookings.0010, bookings.0011, bookings.0012, bookings.0014 and docs/security.md).
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
        SELECT l.tenant_id, l.instant_book INTO listing_tenant, listing_instant
        FROM listings l WHERE l.id = NEW.listing_id;
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
COMMENT ON FUNCTION bookings_guard_privileged_columns() IS 'BEFORE INSERT/UPDATE on bookings: creation at the listing''s quote, pending (confirmed on a listing with instant book) (listing_quote), the status moves each party may make, an immutable booking, quote and policy, and a cancellation that records who cancelled and the refund; expiry: pending to expired by the expiry job or sweep only, and never out of expired (see the migrations bookings.0004, bookings.0010, bookings.0011, bookings.0012, bookings.0014 and docs/security.md).';

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

-- [trigger] bookings_check_in_within_advance ON bookings — The database's ceiling on BOOKING_MAX_ADVANCE_DAYS: a check_in written is at most 3660 days ahead.
CREATE TRIGGER bookings_check_in_within_advance BEFORE INSERT OR UPDATE OF check_in ON public.bookings
    FOR EACH ROW
    WHEN ( (new.check_in > (CURRENT_DATE + 3660)))
    EXECUTE FUNCTION bookings_check_in_within_advance();
COMMENT ON TRIGGER bookings_check_in_within_advance ON bookings IS 'The database''s ceiling on BOOKING_MAX_ADVANCE_DAYS: a check_in written is at most 3660 days ahead.';

-- [trigger] bookings_guard_privileged_columns ON bookings — A booking created by its guest is pending (confirmed on a listing with instant book) and priced by the listing's quote.
CREATE TRIGGER bookings_guard_privileged_columns BEFORE INSERT ON public.bookings
    FOR EACH ROW
    EXECUTE FUNCTION bookings_guard_privileged_columns();
COMMENT ON TRIGGER bookings_guard_privileged_columns ON bookings IS 'A booking created by its guest is pending (confirmed on a listing with instant book) and priced by the listing''s quote.';

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

-- [grant] ON SEQUENCE bookings_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE bookings_id_seq TO app_user;

-- [grant] ON TABLE bookings — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE bookings TO app_user;
