-- The current definition of the reviews app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [function] guest_ratings_refresh(target_guest bigint) — Recomputes a guest's rating summary from the hosts' published, visible reviews of them.
CREATE OR REPLACE FUNCTION public.guest_ratings_refresh(target_guest bigint)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
 SET "app.actor" TO 'system:ratings'
AS $function$
BEGIN
    IF target_guest IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO guest_ratings (user_id, tenant_id, rating_avg, review_count)
    SELECT u.id, u.tenant_id, s.avg_rating, s.n
    FROM users u, (
        SELECT round(avg(r.rating)::numeric, 2) AS avg_rating, count(r.id)::int AS n
        FROM reviews r
        WHERE r.subject_id = target_guest AND r.author_role = 'host' AND NOT r.is_hidden
          AND r.published_at IS NOT NULL
    ) s
    WHERE u.id = target_guest
    ON CONFLICT (user_id) DO UPDATE
        SET rating_avg = EXCLUDED.rating_avg, review_count = EXCLUDED.review_count
        WHERE guest_ratings.rating_avg IS DISTINCT FROM EXCLUDED.rating_avg
           OR guest_ratings.review_count <> EXCLUDED.review_count;
END;
$function$;
COMMENT ON FUNCTION guest_ratings_refresh(target_guest bigint) IS 'Recomputes a guest''s rating summary from the hosts'' published, visible reviews of them.';

-- [function] listings_refresh_rating(target_listing bigint) — Recomputes a listing's rating_avg and review_count from its guests' published, visible reviews.
CREATE OR REPLACE FUNCTION public.listings_refresh_rating(target_listing bigint)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
 SET "app.actor" TO 'system:ratings'
AS $function$
BEGIN
    PERFORM 1 FROM listings WHERE id = target_listing FOR NO KEY UPDATE;
    UPDATE listings l
    SET rating_avg = s.avg_rating, review_count = s.n
    FROM (
        SELECT round(avg(r.rating)::numeric, 2) AS avg_rating, count(r.id)::int AS n
        FROM reviews r
        WHERE r.listing_id = target_listing AND NOT r.is_hidden AND r.author_role = 'guest'
          AND r.published_at IS NOT NULL
    ) s
    WHERE l.id = target_listing
      AND (l.rating_avg IS DISTINCT FROM s.avg_rating OR l.review_count <> s.n);
END;
$function$;
COMMENT ON FUNCTION listings_refresh_rating(target_listing bigint) IS 'Recomputes a listing''s rating_avg and review_count from its guests'' published, visible reviews.';

-- [function] reviews_derive_columns() — BEFORE INSERT/UPDATE on reviews: on insert sets listing, author, subject and window from the booking and the role, refuses (check_violation, reviews_within_window) a review outside check-out .. check-out + reviews_window_days() of a confirmed or completed stay, and publishes both reviews when the second arrives; on update refuses (42501) a change of those columns, and of a published review, except to system actors.
CREATE OR REPLACE FUNCTION public.reviews_derive_columns()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
DECLARE
    trusted constant boolean := app_is_system_actor();
    caller_is_staff constant boolean := app_is_privileged();
    caller_actor constant text := coalesce(current_setting('app.actor', true), '');
    stay record;
    other_written boolean;
    column_name text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NOT trusted THEN
            column_name := app_first_changed_column(
                to_jsonb(OLD), to_jsonb(NEW),
                '{booking_id,author_role,author_id,subject_id,listing_id,window_closes_on,published_at,tenant_id}');
            IF column_name IS NOT NULL THEN
                PERFORM app_refuse_column(TG_RELID, column_name, 'set by the database');
            END IF;
            -- Once the other side may read it, a review no longer changes: no rewriting it
            -- after reading theirs.
            IF OLD.published_at IS NOT NULL OR OLD.window_closes_on < current_date THEN
                column_name := app_first_changed_column(
                    to_jsonb(OLD), to_jsonb(NEW), '{rating,comment,photos}');
                IF column_name IS NOT NULL THEN
                    PERFORM app_refuse_column(TG_RELID, column_name, 'a published review is final');
                END IF;
            END IF;
            RETURN NEW;
        END IF;
        -- A system actor moving a review (or touching what derives from the booking): derived
        -- again from the booking, as on insert. (It may move a window by itself: a dispute.)
        IF app_first_changed_column(
               to_jsonb(OLD), to_jsonb(NEW),
               '{booking_id,author_role,author_id,subject_id,listing_id}') IS NULL THEN
            RETURN NEW;
        END IF;
    END IF;

    PERFORM set_config('app.actor', 'system:reviews', true);
    -- Locks the booking: its two reviews are written one after the other, so that the second
    -- always sees the first and publishes both.
    SELECT b.listing_id, b.guest_id, l.owner_id, b.status, b.check_out
      INTO stay
      FROM bookings b JOIN listings l ON l.id = b.listing_id
     WHERE b.id = NEW.booking_id
       FOR NO KEY UPDATE OF b;
    NEW.listing_id := stay.listing_id;
    NEW.author_id := CASE NEW.author_role WHEN 'host' THEN stay.owner_id ELSE stay.guest_id END;
    NEW.subject_id := CASE NEW.author_role WHEN 'host' THEN stay.guest_id ELSE stay.owner_id END;
    NEW.window_closes_on := stay.check_out + reviews_window_days();
    IF TG_OP = 'UPDATE' THEN
        PERFORM set_config('app.actor', caller_actor, true);
        RETURN NEW;
    END IF;
    IF NOT trusted THEN
        NEW.published_at := NULL;
        IF NEW.author_id IS DISTINCT FROM app_user_id() AND NOT caller_is_staff THEN
            -- Not this caller's side: the policy's WITH CHECK refuses the row; nothing is
            -- published, nothing told of the stay.
            PERFORM set_config('app.actor', caller_actor, true);
            RETURN NEW;
        END IF;
        IF stay.status NOT IN ('confirmed', 'completed') OR current_date < stay.check_out
           OR current_date > NEW.window_closes_on THEN
            PERFORM set_config('app.actor', caller_actor, true);
            RAISE EXCEPTION 'booking % is reviewed from its check-out day to %, once confirmed',
                NEW.booking_id, NEW.window_closes_on
                USING ERRCODE = 'check_violation', TABLE = 'reviews',
                      CONSTRAINT = 'reviews_within_window';
        END IF;
    END IF;
    IF NEW.published_at IS NULL THEN
        IF current_date > NEW.window_closes_on THEN
            NEW.published_at := now();  -- written (by a system actor) after the window closed
        ELSE
            UPDATE reviews SET published_at = now()
             WHERE booking_id = NEW.booking_id AND author_role <> NEW.author_role
               AND published_at IS NULL;
            SELECT EXISTS (SELECT 1 FROM reviews WHERE booking_id = NEW.booking_id
                                                   AND author_role <> NEW.author_role)
              INTO other_written;
            IF other_written THEN
                NEW.published_at := now();
            END IF;
        END IF;
    END IF;
    PERFORM set_config('app.actor', caller_actor, true);
    RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION reviews_derive_columns() IS 'BEFORE INSERT/UPDATE on reviews: on insert sets listing, author, subject and window from the booking and the role, refuses (check_violation, reviews_within_window) a review outside check-out .. check-out + reviews_window_days() of a confirmed or completed stay, and publishes both reviews when the second arrives; on update refuses (42501) a change of those columns, and of a published review, except to system actors.';

-- [function] reviews_guard_moderation_columns() — BEFORE INSERT/UPDATE on reviews: refuses (42501) a change of is_hidden, hidden_reason, hidden_at or hidden_by by anyone but a moderator (reviews.moderate_review) or a system actor.
CREATE OR REPLACE FUNCTION public.reviews_guard_moderation_columns()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    column_name text;
BEGIN
    IF app_runs_as_owner(TG_RELID) OR app_is_system_actor()
       OR app_has_permission('reviews.moderate_review') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        column_name := app_first_changed_column(
            '{"is_hidden": false, "hidden_reason": "", "hidden_at": null, "hidden_by_id": null}',
            to_jsonb(NEW), '{is_hidden,hidden_reason,hidden_at,hidden_by_id}');
    ELSE
        column_name := app_first_changed_column(
            to_jsonb(OLD), to_jsonb(NEW), '{is_hidden,hidden_reason,hidden_at,hidden_by_id}');
    END IF;
    PERFORM app_refuse_column(TG_RELID, column_name,
                              'needs staff with reviews.moderate_review');
    RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION reviews_guard_moderation_columns() IS 'BEFORE INSERT/UPDATE on reviews: refuses (42501) a change of is_hidden, hidden_reason, hidden_at or hidden_by by anyone but a moderator (reviews.moderate_review) or a system actor.';

-- [function] reviews_refresh_guest_rating() — Trigger function: refreshes the rating of the guests a host's review change touches.
CREATE OR REPLACE FUNCTION public.reviews_refresh_guest_rating()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.author_role = 'host' THEN
        PERFORM guest_ratings_refresh(OLD.subject_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.author_role = 'host'
       AND (TG_OP = 'INSERT' OR NEW.subject_id IS DISTINCT FROM OLD.subject_id
            OR OLD.author_role <> 'host') THEN
        PERFORM guest_ratings_refresh(NEW.subject_id);
    END IF;
    RETURN NULL;
END;
$function$;
COMMENT ON FUNCTION reviews_refresh_guest_rating() IS 'Trigger function: refreshes the rating of the guests a host''s review change touches.';

-- [function] reviews_refresh_listing_rating() — Trigger function: refreshes the rating of the listings a review change touches.
CREATE OR REPLACE FUNCTION public.reviews_refresh_listing_rating()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM listings_refresh_rating(OLD.listing_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.listing_id <> OLD.listing_id) THEN
        PERFORM listings_refresh_rating(NEW.listing_id);
    END IF;
    RETURN NULL;
END;
$function$;
COMMENT ON FUNCTION reviews_refresh_listing_rating() IS 'Trigger function: refreshes the rating of the listings a review change touches.';

-- [function] reviews_window_days() — Days after check-out during which both sides of a stay may review it (settings.REVIEW_WINDOW_DAYS).
CREATE OR REPLACE FUNCTION public.reviews_window_days()
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$ SELECT 14 $function$;
COMMENT ON FUNCTION reviews_window_days() IS 'Days after check-out during which both sides of a stay may review it (settings.REVIEW_WINDOW_DAYS).';

-- [row level security] guest_ratings — row-level security enabled, forced on the owner too
ALTER TABLE guest_ratings ENABLE ROW LEVEL SECURITY;
ALTER TABLE guest_ratings FORCE ROW LEVEL SECURITY;

-- [row level security] review_replies — row-level security enabled, forced on the owner too
ALTER TABLE review_replies ENABLE ROW LEVEL SECURITY;
ALTER TABLE review_replies FORCE ROW LEVEL SECURITY;

-- [row level security] reviews — row-level security enabled, forced on the owner too
ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE reviews FORCE ROW LEVEL SECURITY;

-- [policy] guest_ratings_read ON guest_ratings — Anyone signed in to the tenant reads a guest's rating summary (hosts deciding on a request); the reviews themselves stay private to their parties.
CREATE POLICY guest_ratings_read ON guest_ratings
    FOR SELECT TO public
    USING (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id)));
COMMENT ON POLICY guest_ratings_read ON guest_ratings IS 'Anyone signed in to the tenant reads a guest''s rating summary (hosts deciding on a request); the reviews themselves stay private to their parties.';

-- [policy] guest_ratings_staff_and_system ON guest_ratings — Staff and system actors (the rating trigger) manage every guest rating.
CREATE POLICY guest_ratings_staff_and_system ON guest_ratings
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY guest_ratings_staff_and_system ON guest_ratings IS 'Staff and system actors (the rating trigger) manage every guest rating.';

-- [policy] review_replies_author_read ON review_replies — Its author reads their reply, hidden or not.
CREATE POLICY review_replies_author_read ON review_replies
    FOR SELECT TO public
    USING (author_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY review_replies_author_read ON review_replies IS 'Its author reads their reply, hidden or not.';

-- [policy] review_replies_author_write ON review_replies — The reviewed party replies to a review they may read (published); once (unique review_id), never edited.
CREATE POLICY review_replies_author_write ON review_replies
    FOR INSERT TO public
    WITH CHECK (author_id = (( SELECT app_user_id() AS app_user_id))
        AND tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND (EXISTS ( SELECT 1
   FROM reviews r
  WHERE r.id = review_replies.review_id AND r.subject_id = (( SELECT app_user_id() AS app_user_id)))));
COMMENT ON POLICY review_replies_author_write ON review_replies IS 'The reviewed party replies to a review they may read (published); once (unique review_id), never edited.';

-- [policy] review_replies_public_read ON review_replies — A visible reply is read by whoever may read its review.
CREATE POLICY review_replies_public_read ON review_replies
    FOR SELECT TO public
    USING (NOT is_hidden
        AND (EXISTS ( SELECT 1
   FROM reviews r
  WHERE r.id = review_replies.review_id)));
COMMENT ON POLICY review_replies_public_read ON review_replies IS 'A visible reply is read by whoever may read its review.';

-- [policy] review_replies_staff_and_system ON review_replies — Staff and system actors (moderation) manage every reply.
CREATE POLICY review_replies_staff_and_system ON review_replies
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY review_replies_staff_and_system ON review_replies IS 'Staff and system actors (moderation) manage every reply.';

-- [policy] reviews_author ON reviews — The author of a review (the booking's guest or its listing's host) reads and writes it.
CREATE POLICY reviews_author ON reviews
    FOR ALL TO public
    USING (author_id = (( SELECT app_user_id() AS app_user_id)))
    WITH CHECK (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND author_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY reviews_author ON reviews IS 'The author of a review (the booking''s guest or its listing''s host) reads and writes it.';

-- [policy] reviews_public_read ON reviews — Anyone reads the guests' visible reviews of listings they can see in the request's tenant, once both sides wrote or the window closed.
CREATE POLICY reviews_public_read ON reviews
    FOR SELECT TO public
    USING (NOT is_hidden
        AND author_role::text = 'guest'::text
        AND (published_at IS NOT NULL OR window_closes_on < CURRENT_DATE)
        AND tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = reviews.listing_id)));
COMMENT ON POLICY reviews_public_read ON reviews IS 'Anyone reads the guests'' visible reviews of listings they can see in the request''s tenant, once both sides wrote or the window closed.';

-- [policy] reviews_staff_and_system ON reviews — Staff and system actors (moderation) manage every review.
CREATE POLICY reviews_staff_and_system ON reviews
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY reviews_staff_and_system ON reviews IS 'Staff and system actors (moderation) manage every review.';

-- [policy] reviews_subject_read ON reviews — The reviewed party (host or guest) reads a review of them once both sides wrote or the window closed.
CREATE POLICY reviews_subject_read ON reviews
    FOR SELECT TO public
    USING (subject_id = (( SELECT app_user_id() AS app_user_id))
        AND NOT is_hidden
        AND (published_at IS NOT NULL OR window_closes_on < CURRENT_DATE));
COMMENT ON POLICY reviews_subject_read ON reviews IS 'The reviewed party (host or guest) reads a review of them once both sides wrote or the window closed.';

-- [trigger] review_replies_audit_delete ON review_replies — Audit trail: records in audit_logs every row a DELETE removes from review_replies, with who and from where.
CREATE TRIGGER review_replies_audit_delete AFTER DELETE ON public.review_replies
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER review_replies_audit_delete ON review_replies IS 'Audit trail: records in audit_logs every row a DELETE removes from review_replies, with who and from where.';

-- [trigger] review_replies_audit_insert ON review_replies — Audit trail: records in audit_logs every row an INSERT adds to review_replies, with who and from where.
CREATE TRIGGER review_replies_audit_insert AFTER INSERT ON public.review_replies
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER review_replies_audit_insert ON review_replies IS 'Audit trail: records in audit_logs every row an INSERT adds to review_replies, with who and from where.';

-- [trigger] review_replies_audit_update ON review_replies — Audit trail: records in audit_logs every row an UPDATE changes in review_replies, with who and from where.
CREATE TRIGGER review_replies_audit_update AFTER UPDATE ON public.review_replies
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER review_replies_audit_update ON review_replies IS 'Audit trail: records in audit_logs every row an UPDATE changes in review_replies, with who and from where.';

-- [trigger] review_replies_guard_moderation_columns ON review_replies — A reply is written unmoderated; only moderators create a hidden one.
CREATE TRIGGER review_replies_guard_moderation_columns BEFORE INSERT ON public.review_replies
    FOR EACH ROW
    WHEN ( (new.is_hidden OR (new.hidden_reason <> ''::text) OR (new.hidden_at IS NOT NULL) OR (new.hidden_by_id IS NOT NULL)))
    EXECUTE FUNCTION reviews_guard_moderation_columns();
COMMENT ON TRIGGER review_replies_guard_moderation_columns ON review_replies IS 'A reply is written unmoderated; only moderators create a hidden one.';

-- [trigger] review_replies_guard_moderation_columns_update ON review_replies — Only moderators and system actors hide or unhide a reply.
CREATE TRIGGER review_replies_guard_moderation_columns_update BEFORE UPDATE ON public.review_replies
    FOR EACH ROW
    WHEN ( ((old.is_hidden IS DISTINCT FROM new.is_hidden) OR (old.hidden_reason IS DISTINCT FROM new.hidden_reason) OR (old.hidden_at IS DISTINCT FROM new.hidden_at) OR (old.hidden_by_id IS DISTINCT FROM new.hidden_by_id)))
    EXECUTE FUNCTION reviews_guard_moderation_columns();
COMMENT ON TRIGGER review_replies_guard_moderation_columns_update ON review_replies IS 'Only moderators and system actors hide or unhide a reply.';

-- [trigger] reviews_audit_delete ON reviews — Audit trail: records in audit_logs every row a DELETE removes from reviews, with who and from where.
CREATE TRIGGER reviews_audit_delete AFTER DELETE ON public.reviews
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER reviews_audit_delete ON reviews IS 'Audit trail: records in audit_logs every row a DELETE removes from reviews, with who and from where.';

-- [trigger] reviews_audit_insert ON reviews — Audit trail: records in audit_logs every row an INSERT adds to reviews, with who and from where.
CREATE TRIGGER reviews_audit_insert AFTER INSERT ON public.reviews
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER reviews_audit_insert ON reviews IS 'Audit trail: records in audit_logs every row an INSERT adds to reviews, with who and from where.';

-- [trigger] reviews_audit_update ON reviews — Audit trail: records in audit_logs every row an UPDATE changes in reviews, with who and from where.
CREATE TRIGGER reviews_audit_update AFTER UPDATE ON public.reviews
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER reviews_audit_update ON reviews IS 'Audit trail: records in audit_logs every row an UPDATE changes in reviews, with who and from where.';

-- [trigger] reviews_derive_columns ON reviews — Derives a review's listing, author, subject, window and publication from its booking; guards them.
CREATE TRIGGER reviews_derive_columns BEFORE INSERT OR UPDATE ON public.reviews
    FOR EACH ROW
    EXECUTE FUNCTION reviews_derive_columns();
COMMENT ON TRIGGER reviews_derive_columns ON reviews IS 'Derives a review''s listing, author, subject, window and publication from its booking; guards them.';

-- [trigger] reviews_guard_moderation_columns ON reviews — A review is written unmoderated; only moderators create a hidden one.
CREATE TRIGGER reviews_guard_moderation_columns BEFORE INSERT ON public.reviews
    FOR EACH ROW
    WHEN ( (new.is_hidden OR (new.hidden_reason <> ''::text) OR (new.hidden_at IS NOT NULL) OR (new.hidden_by_id IS NOT NULL)))
    EXECUTE FUNCTION reviews_guard_moderation_columns();
COMMENT ON TRIGGER reviews_guard_moderation_columns ON reviews IS 'A review is written unmoderated; only moderators create a hidden one.';

-- [trigger] reviews_guard_moderation_columns_update ON reviews — Only moderators and system actors hide or unhide a review.
CREATE TRIGGER reviews_guard_moderation_columns_update BEFORE UPDATE ON public.reviews
    FOR EACH ROW
    WHEN ( ((old.is_hidden IS DISTINCT FROM new.is_hidden) OR (old.hidden_reason IS DISTINCT FROM new.hidden_reason) OR (old.hidden_at IS DISTINCT FROM new.hidden_at) OR (old.hidden_by_id IS DISTINCT FROM new.hidden_by_id)))
    EXECUTE FUNCTION reviews_guard_moderation_columns();
COMMENT ON TRIGGER reviews_guard_moderation_columns_update ON reviews IS 'Only moderators and system actors hide or unhide a review.';

-- [trigger] reviews_guest_rating ON reviews — Keeps the guest's rating current when a host's review of them is added, removed, rated, hidden or published.
CREATE TRIGGER reviews_guest_rating AFTER INSERT OR DELETE OR UPDATE OF rating, is_hidden, published_at, author_role, subject_id ON public.reviews
    FOR EACH ROW
    EXECUTE FUNCTION reviews_refresh_guest_rating();
COMMENT ON TRIGGER reviews_guest_rating ON reviews IS 'Keeps the guest''s rating current when a host''s review of them is added, removed, rated, hidden or published.';

-- [trigger] reviews_listing_rating ON reviews — Keeps the listing's rating current when a review is added, removed, rated, hidden or published.
CREATE TRIGGER reviews_listing_rating AFTER INSERT OR DELETE OR UPDATE OF rating, is_hidden, booking_id, published_at ON public.reviews
    FOR EACH ROW
    EXECUTE FUNCTION reviews_refresh_listing_rating();
COMMENT ON TRIGGER reviews_listing_rating ON reviews IS 'Keeps the listing''s rating current when a review is added, removed, rated, hidden or published.';

-- [grant] ON FUNCTION listings_refresh_rating(target_listing bigint) — app_user's privileges
GRANT EXECUTE ON FUNCTION listings_refresh_rating(target_listing bigint) TO app_user;

-- [grant] ON FUNCTION reviews_refresh_listing_rating() — app_user's privileges
GRANT EXECUTE ON FUNCTION reviews_refresh_listing_rating() TO app_user;

-- [grant] ON SEQUENCE review_replies_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE review_replies_id_seq TO app_user;

-- [grant] ON SEQUENCE reviews_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE reviews_id_seq TO app_user;

-- [grant] ON TABLE guest_ratings — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE guest_ratings TO app_user;

-- [grant] ON TABLE review_replies — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE review_replies TO app_user;

-- [grant] ON TABLE reviews — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE reviews TO app_user;
