"""The guest's rating: hosts' published reviews of a guest, summed up per guest in
guest_ratings by a trigger, as listings.rating_avg sums up the guests' reviews of a listing;
shown to the host on a booking (GET /bookings/)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SQL = """
ALTER TABLE guest_ratings ENABLE ROW LEVEL SECURITY;
ALTER TABLE guest_ratings FORCE ROW LEVEL SECURITY;
CREATE POLICY guest_ratings_staff_and_system ON guest_ratings
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));
COMMENT ON POLICY guest_ratings_staff_and_system ON guest_ratings IS
    'Staff and system actors (the rating trigger) manage every guest rating.';
-- Read only: the trigger writes it (as a system actor), nobody else.
CREATE POLICY guest_ratings_read ON guest_ratings FOR SELECT
    USING (tenant_id = (SELECT app_tenant_id()));
COMMENT ON POLICY guest_ratings_read ON guest_ratings IS
    'Anyone signed in to the tenant reads a guest''s rating summary (hosts deciding on a request); the reviews themselves stay private to their parties.';
COMMENT ON TABLE guest_ratings IS
    'Per guest: the average and count of the hosts'' published, visible reviews of them (reviews_guest_rating trigger).';

CREATE FUNCTION guest_ratings_refresh(target_guest bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET app.actor = 'system:ratings'
    AS $$
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
$$;
COMMENT ON FUNCTION guest_ratings_refresh(target_guest bigint) IS
    'Recomputes a guest''s rating summary from the hosts'' published, visible reviews of them.';

CREATE FUNCTION reviews_refresh_guest_rating() RETURNS trigger
    LANGUAGE plpgsql AS $$
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
$$;
COMMENT ON FUNCTION reviews_refresh_guest_rating() IS
    'Trigger function: refreshes the rating of the guests a host''s review change touches.';
CREATE TRIGGER reviews_guest_rating
    AFTER INSERT OR DELETE OR UPDATE OF rating, is_hidden, published_at, author_role, subject_id
    ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_refresh_guest_rating();
COMMENT ON TRIGGER reviews_guest_rating ON reviews IS
    'Keeps the guest''s rating current when a host''s review of them is added, removed, rated, hidden or published.';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0016_email_change_guard"),
        ("reviews", "0011_two_way_double_blind"),
    ]

    operations = [
        migrations.CreateModel(
            name="GuestRating",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="guest",
                    ),
                ),
                (
                    "rating_avg",
                    models.DecimalField(
                        decimal_places=2, max_digits=3, null=True, verbose_name="average rating"
                    ),
                ),
                (
                    "review_count",
                    models.IntegerField(db_default=0, default=0, verbose_name="review count"),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.tenant",
                        verbose_name="tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "guest rating",
                "verbose_name_plural": "guest ratings",
                "db_table": "guest_ratings",
            },
        ),
        migrations.RunSQL(SQL, migrations.RunSQL.noop),
    ]
