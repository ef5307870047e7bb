from django.db import migrations

# listings.rating_avg / review_count summarise the visible reviews of a listing. They are kept
# by PostgreSQL so that every path (API, admin moderation, SQL) leaves them right, and sorting
# a million listings by rating needs no aggregate join.
CREATE = """
CREATE FUNCTION listings_refresh_rating(target_listing bigint) RETURNS void
LANGUAGE sql AS $$
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

CREATE FUNCTION reviews_refresh_listing_rating() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM listings_refresh_rating(
            (SELECT listing_id FROM bookings WHERE id = OLD.booking_id));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM listings_refresh_rating(
            (SELECT listing_id FROM bookings WHERE id = NEW.booking_id));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER reviews_listing_rating
AFTER INSERT OR DELETE OR UPDATE OF rating, is_hidden, booking_id ON reviews
FOR EACH ROW EXECUTE FUNCTION reviews_refresh_listing_rating();
"""

DROP = """
DROP TRIGGER reviews_listing_rating ON reviews;
DROP FUNCTION reviews_refresh_listing_rating();
DROP FUNCTION listings_refresh_rating(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial"), ("listings", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
