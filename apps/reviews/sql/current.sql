-- The current definition of the reviews app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [function] listings_refresh_rating(target_listing bigint) — Recomputes a listing's rating_avg and review_count from its visible reviews.
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
        WHERE r.listing_id = target_listing AND NOT r.is_hidden
    ) s
    WHERE l.id = target_listing
      AND (l.rating_avg IS DISTINCT FROM s.avg_rating OR l.review_count <> s.n);
END;
$function$;
COMMENT ON FUNCTION listings_refresh_rating(target_listing bigint) IS 'Recomputes a listing''s rating_avg and review_count from its visible reviews.';

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

-- [function] reviews_set_listing() — Trigger function: sets a review's listing from its booking, so that they never disagree.
CREATE OR REPLACE FUNCTION public.reviews_set_listing()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
 SET "app.actor" TO 'system:reviews'
AS $function$
BEGIN
    SELECT b.listing_id INTO NEW.listing_id FROM bookings b WHERE b.id = NEW.booking_id;
    RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION reviews_set_listing() IS 'Trigger function: sets a review''s listing from its booking, so that they never disagree.';

-- [row level security] reviews — row-level security enabled, forced on the owner too
ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE reviews FORCE ROW LEVEL SECURITY;

-- [policy] reviews_author ON reviews — The guest of the reviewed booking reads and writes their review.
CREATE POLICY reviews_author ON reviews
    FOR ALL TO public
    USING ((EXISTS ( SELECT 1
   FROM bookings b
  WHERE b.id = reviews.booking_id AND b.guest_id = (( SELECT app_user_id() AS app_user_id)))))
    WITH CHECK (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND (EXISTS ( SELECT 1
   FROM bookings b
  WHERE b.id = reviews.booking_id AND b.guest_id = (( SELECT app_user_id() AS app_user_id)))));
COMMENT ON POLICY reviews_author ON reviews IS 'The guest of the reviewed booking reads and writes their review.';

-- [policy] reviews_public_read ON reviews — Anyone reads the visible reviews of listings they can see in the request's tenant.
CREATE POLICY reviews_public_read ON reviews
    FOR SELECT TO public
    USING (NOT is_hidden
        AND tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = reviews.listing_id)));
COMMENT ON POLICY reviews_public_read ON reviews IS 'Anyone reads the visible reviews of listings they can see in the request''s tenant.';

-- [policy] reviews_staff_and_system ON reviews — Staff and system actors (moderation) manage every review.
CREATE POLICY reviews_staff_and_system ON reviews
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY reviews_staff_and_system ON reviews IS 'Staff and system actors (moderation) manage every review.';

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

-- [trigger] reviews_listing_from_booking ON reviews — Takes a review's listing from its booking on every insert and update.
CREATE TRIGGER reviews_listing_from_booking BEFORE INSERT OR UPDATE OF booking_id, listing_id ON public.reviews
    FOR EACH ROW
    EXECUTE FUNCTION reviews_set_listing();
COMMENT ON TRIGGER reviews_listing_from_booking ON reviews IS 'Takes a review''s listing from its booking on every insert and update.';

-- [trigger] reviews_listing_rating ON reviews — Keeps the listing's rating current when a review is added, removed, rated or hidden.
CREATE TRIGGER reviews_listing_rating AFTER INSERT OR DELETE OR UPDATE OF rating, is_hidden, booking_id ON public.reviews
    FOR EACH ROW
    EXECUTE FUNCTION reviews_refresh_listing_rating();
COMMENT ON TRIGGER reviews_listing_rating ON reviews IS 'Keeps the listing''s rating current when a review is added, removed, rated or hidden.';

-- [grant] ON FUNCTION listings_refresh_rating(target_listing bigint) — app_user's privileges
GRANT EXECUTE ON FUNCTION listings_refresh_rating(target_listing bigint) TO app_user;

-- [grant] ON FUNCTION reviews_refresh_listing_rating() — app_user's privileges
GRANT EXECUTE ON FUNCTION reviews_refresh_listing_rating() TO app_user;

-- [grant] ON SEQUENCE reviews_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE reviews_id_seq TO app_user;

-- [grant] ON TABLE reviews — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE reviews TO app_user;
