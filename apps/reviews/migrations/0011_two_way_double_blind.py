"""Two-way, double-blind reviews: the host reviews the guest too, once per booking
and side, within REVIEW_WINDOW_DAYS of check-out; a review is read by anyone but its author
only once both sides have written (published_at) or the window has closed."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SQL = """
-- The window, restated here from settings.REVIEW_WINDOW_DAYS (a test holds them equal): the
-- database cannot read Django's settings, and a session setting could be changed by a client.
CREATE FUNCTION reviews_window_days() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 14 $$;
COMMENT ON FUNCTION reviews_window_days() IS
    'Days after check-out during which both sides of a stay may review it (settings.REVIEW_WINDOW_DAYS).';

-- Existing reviews were all the guest's, of stays whose window closed or not: they stay public
-- as they were (published when written). As a system actor: row-level security is forced.
SELECT set_config('app.actor', 'system:migration', true);
UPDATE reviews r
SET author_id = b.guest_id,
    subject_id = l.owner_id,
    window_closes_on = b.check_out + reviews_window_days(),
    published_at = r.created_at
FROM bookings b JOIN listings l ON l.id = b.listing_id
WHERE b.id = r.booking_id;
SELECT set_config('app.actor', '', true);
-- The new foreign keys' deferred checks now, before the triggers below change on reviews.
SET CONSTRAINTS ALL IMMEDIATE;

DROP TRIGGER reviews_listing_from_booking ON reviews;
DROP FUNCTION reviews_set_listing();

-- SECURITY DEFINER to read the booking and its listing, and publish the other side's review,
-- whoever writes; the caller's trust is read first, then app.actor is switched to a system
-- actor for the reads and restored (a SET clause would hide who the caller was).
CREATE FUNCTION reviews_derive_columns() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
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
$$;
COMMENT ON FUNCTION reviews_derive_columns() IS
    'BEFORE INSERT/UPDATE on reviews: on insert sets listing, author, subject and window from the booking and the role, refuses (check_violation, reviews_within_window) a review outside check-out .. check-out + reviews_window_days() of a confirmed or completed stay, and publishes both reviews when the second arrives; on update refuses (42501) a change of those columns, and of a published review, except to system actors.';
CREATE TRIGGER reviews_derive_columns
    BEFORE INSERT OR UPDATE ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_derive_columns();
COMMENT ON TRIGGER reviews_derive_columns ON reviews IS
    'Derives a review''s listing, author, subject, window and publication from its booking; guards them.';

-- The listing's rating: the guests' reviews, once published, not hidden.
CREATE OR REPLACE FUNCTION listings_refresh_rating(target_listing bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET app.actor = 'system:ratings'
    AS $$
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
$$;
COMMENT ON FUNCTION listings_refresh_rating(target_listing bigint) IS
    'Recomputes a listing''s rating_avg and review_count from its guests'' published, visible reviews.';

DROP TRIGGER reviews_listing_rating ON reviews;
CREATE TRIGGER reviews_listing_rating
    AFTER INSERT OR DELETE OR UPDATE OF rating, is_hidden, booking_id, published_at ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_refresh_listing_rating();
COMMENT ON TRIGGER reviews_listing_rating ON reviews IS
    'Keeps the listing''s rating current when a review is added, removed, rated, hidden or published.';

-- Its author reads and writes their review (author_id is set by reviews_derive_columns before
-- the check: a review of someone else's side is refused).
DROP POLICY reviews_author ON reviews;
CREATE POLICY reviews_author ON reviews
    USING (author_id = (SELECT app_user_id()))
    WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND author_id = (SELECT app_user_id()));
COMMENT ON POLICY reviews_author ON reviews IS
    'The author of a review (the booking''s guest or its listing''s host) reads and writes it.';

-- Double-blind: published (both sides wrote) or its window closed. Plain column tests on the
-- row (no subquery, no function), so the listing's list stays an index scan on
-- reviews_listing_recent_idx with a cheap filter.
DROP POLICY reviews_public_read ON reviews;
CREATE POLICY reviews_public_read ON reviews FOR SELECT
    USING (NOT is_hidden AND author_role = 'guest'
           AND (published_at IS NOT NULL OR window_closes_on < current_date)
           AND tenant_id = (SELECT app_tenant_id())
           AND EXISTS (SELECT 1 FROM listings l WHERE l.id = listing_id));
COMMENT ON POLICY reviews_public_read ON reviews IS
    'Anyone reads the guests'' visible reviews of listings they can see in the request''s tenant, once both sides wrote or the window closed.';

CREATE POLICY reviews_subject_read ON reviews FOR SELECT
    USING (subject_id = (SELECT app_user_id()) AND NOT is_hidden
           AND (published_at IS NOT NULL OR window_closes_on < current_date));
COMMENT ON POLICY reviews_subject_read ON reviews IS
    'The reviewed party (host or guest) reads a review of them once both sides wrote or the window closed.';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0010_field_labels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="review",
            name="booking",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reviews",
                to="bookings.booking",
                verbose_name="booking",
            ),
        ),
        migrations.AddField(
            model_name="review",
            name="author_role",
            field=models.CharField(
                choices=[("guest", "Guest"), ("host", "Host")],
                db_default="guest",
                default="guest",
                max_length=5,
                verbose_name="author role",
            ),
        ),
        migrations.AddField(
            model_name="review",
            name="author",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="author",
            ),
        ),
        migrations.AddField(
            model_name="review",
            name="subject",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="reviewed party",
            ),
        ),
        migrations.AddField(
            model_name="review",
            name="window_closes_on",
            field=models.DateField(
                editable=False, null=True, verbose_name="review window closes on"
            ),
        ),
        migrations.AddField(
            model_name="review",
            name="published_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="published at"),
        ),
        migrations.AddConstraint(
            model_name="review",
            constraint=models.CheckConstraint(
                condition=models.Q(("author_role__in", ["guest", "host"])),
                name="reviews_author_role_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="review",
            constraint=models.UniqueConstraint(
                fields=("booking", "author_role"), name="reviews_booking_role_key"
            ),
        ),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                condition=models.Q(("published_at__isnull", True)),
                fields=["window_closes_on"],
                name="reviews_unpublished_idx",
            ),
        ),
        migrations.RunSQL(SQL, migrations.RunSQL.noop),
    ]
