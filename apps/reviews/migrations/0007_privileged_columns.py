"""reviews: moderation columns belong to moderators.

The author edits their review (row-level security); is_hidden, hidden_reason, hidden_at and
hidden_by change only for staff holding reviews.moderate_review (review_hide / review_unhide,
the admin's actions) or a system actor. A new review cannot arrive already moderated.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION reviews_guard_moderation_columns() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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
$$;
COMMENT ON FUNCTION reviews_guard_moderation_columns() IS
    'BEFORE INSERT/UPDATE on reviews: refuses (42501) a change of is_hidden, hidden_reason, '
    'hidden_at or hidden_by by anyone but a moderator (reviews.moderate_review) or a system '
    'actor.';

CREATE TRIGGER reviews_guard_moderation_columns
    BEFORE INSERT ON reviews
    FOR EACH ROW WHEN (NEW.is_hidden OR NEW.hidden_reason <> '' OR NEW.hidden_at IS NOT NULL
                       OR NEW.hidden_by_id IS NOT NULL)
    EXECUTE FUNCTION reviews_guard_moderation_columns();
COMMENT ON TRIGGER reviews_guard_moderation_columns ON reviews IS
    'A review is written unmoderated; only moderators create a hidden one.';

CREATE TRIGGER reviews_guard_moderation_columns_update
    BEFORE UPDATE ON reviews
    FOR EACH ROW WHEN (
        OLD.is_hidden IS DISTINCT FROM NEW.is_hidden
        OR OLD.hidden_reason IS DISTINCT FROM NEW.hidden_reason
        OR OLD.hidden_at IS DISTINCT FROM NEW.hidden_at
        OR OLD.hidden_by_id IS DISTINCT FROM NEW.hidden_by_id)
    EXECUTE FUNCTION reviews_guard_moderation_columns();
COMMENT ON TRIGGER reviews_guard_moderation_columns_update ON reviews IS
    'Only moderators and system actors hide or unhide a review.';
"""

REVERSE = """
DROP TRIGGER reviews_guard_moderation_columns_update ON reviews;
DROP TRIGGER reviews_guard_moderation_columns ON reviews;
DROP FUNCTION reviews_guard_moderation_columns();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0006_rating_refresh_serialised"),
        ("core", "0007_permission_context"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
