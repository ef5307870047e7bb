import datetime

import django.db.models.expressions
from django.db import migrations, models

# A stay's dates within a sane range. Immutable bounds are CHECKs (from 2000, at most 366
# nights: BOOKING_MAX_NIGHTS is the business rule beneath). How far ahead a stay may start
# moves with the clock, so a trigger checks the rows written: the API's rule is
# BOOKING_MAX_ADVANCE_DAYS (default 730), the database's ceiling 3660 days, ten years
# (apps.core.dates.HORIZON_DAYS; the bookings.E001 check keeps the setting below it). The
# condition is the trigger's WHEN (no function call per row: COPY and bulk updates pay nearly
# nothing); the function only raises.
WITHIN_ADVANCE = """
CREATE OR REPLACE FUNCTION bookings_check_in_within_advance() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
    AS $$
BEGIN
    RAISE EXCEPTION 'check_in % is more than 3660 days ahead', NEW.check_in
        USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_check_in_within_advance',
              TABLE = 'bookings', COLUMN = 'check_in';
END;
$$;
COMMENT ON FUNCTION bookings_check_in_within_advance() IS
    'Refuses the row: its stay starts more than 3660 days ahead (trigger of the same name).';
CREATE TRIGGER bookings_check_in_within_advance
    BEFORE INSERT OR UPDATE OF check_in ON bookings
    FOR EACH ROW WHEN (NEW.check_in > current_date + 3660)
    EXECUTE FUNCTION bookings_check_in_within_advance();
COMMENT ON TRIGGER bookings_check_in_within_advance ON bookings IS
    'The database''s ceiling on BOOKING_MAX_ADVANCE_DAYS: a check_in written is at most '
    '3660 days ahead.';
"""

DROP_WITHIN_ADVANCE = """
DROP TRIGGER IF EXISTS bookings_check_in_within_advance ON bookings;
DROP FUNCTION IF EXISTS bookings_check_in_within_advance();
"""


class Migration(migrations.Migration):
    dependencies = [("bookings", "0004_privileged_columns")]

    operations = [
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(("check_in__gte", datetime.date(2000, 1, 1))),
                name="bookings_check_in_since_2000",
            ),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "check_out__lte",
                        django.db.models.expressions.CombinedExpression(
                            models.F("check_in"),
                            "+",
                            models.Value(datetime.timedelta(days=366)),
                        ),
                    )
                ),
                name="bookings_stay_at_most_a_year",
            ),
        ),
        migrations.RunSQL(WITHIN_ADVANCE, DROP_WITHIN_ADVANCE),
    ]
