"""listings: rating_avg and review_count are written by the rating trigger only.

listings_refresh_rating (reviews migrations) is SECURITY DEFINER, owned by the schema owner:
inside it current_user is the owner, which the runtime role can never become in production.
The guard lets a change of the summary through only then (app_runs_as_owner). An actor name
would not do: app.actor is a setting any SQL session may write, current_user is not.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION listings_guard_rating_columns() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT app_runs_as_owner(TG_RELID) THEN
        PERFORM app_refuse_column(
            TG_RELID,
            CASE WHEN TG_OP = 'INSERT' AND NEW.rating_avg IS NULL THEN 'review_count'
                 WHEN TG_OP = 'UPDATE' AND NEW.rating_avg IS NOT DISTINCT FROM OLD.rating_avg
                 THEN 'review_count'
                 ELSE 'rating_avg' END,
            'the rating summary is written by the rating trigger only');
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION listings_guard_rating_columns() IS
    'BEFORE INSERT/UPDATE on listings: refuses (42501) a rating_avg or review_count written by '
    'anyone but the owner role, i.e. anyone but listings_refresh_rating (SECURITY DEFINER).';

CREATE TRIGGER listings_guard_rating_columns
    BEFORE INSERT ON listings
    FOR EACH ROW WHEN (NEW.rating_avg IS NOT NULL OR NEW.review_count <> 0)
    EXECUTE FUNCTION listings_guard_rating_columns();
COMMENT ON TRIGGER listings_guard_rating_columns ON listings IS
    'A new listing has no rating summary of its own making.';

CREATE TRIGGER listings_guard_rating_columns_update
    BEFORE UPDATE OF rating_avg, review_count ON listings
    FOR EACH ROW WHEN (
        OLD.rating_avg IS DISTINCT FROM NEW.rating_avg
        OR OLD.review_count IS DISTINCT FROM NEW.review_count)
    EXECUTE FUNCTION listings_guard_rating_columns();
COMMENT ON TRIGGER listings_guard_rating_columns_update ON listings IS
    'Only the rating trigger changes the rating summary.';
"""

REVERSE = """
DROP TRIGGER listings_guard_rating_columns_update ON listings;
DROP TRIGGER listings_guard_rating_columns ON listings;
DROP FUNCTION listings_guard_rating_columns();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0010_listing_relations_function"),
        ("reviews", "0006_rating_refresh_serialised"),
        ("core", "0007_permission_context"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
