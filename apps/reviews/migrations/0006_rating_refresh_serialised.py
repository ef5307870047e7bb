from django.db import migrations

# Two reviews of one listing committed at the same time must both count. The summary used to
# be computed by one SQL statement whose snapshot predates its wait for the listing's row lock,
# so the second writer left the first one's review out. Now the function takes the row lock
# first, then aggregates in a statement of its own: under READ COMMITTED that statement sees
# everything the previous lock holder committed.
SERIALISED = """
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
        WHERE r.listing_id = target_listing AND NOT r.is_hidden
    ) s
    WHERE l.id = target_listing
      AND (l.rating_avg IS DISTINCT FROM s.avg_rating OR l.review_count <> s.n);
END;
$$;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION listings_refresh_rating(target_listing bigint) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET app.actor = 'system:ratings'
    AS $$
    UPDATE listings l
    SET rating_avg = s.avg_rating, review_count = s.n
    FROM (
        SELECT round(avg(r.rating)::numeric, 2) AS avg_rating, count(r.id)::int AS n
        FROM reviews r JOIN bookings b ON b.id = r.booking_id
        WHERE b.listing_id = target_listing AND NOT r.is_hidden
    ) s
    WHERE l.id = target_listing
      AND (l.rating_avg IS DISTINCT FROM s.avg_rating OR l.review_count <> s.n);
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("reviews", "0005_moderation_permissions")]

    operations = [migrations.RunSQL(SERIALISED, PREVIOUS)]
