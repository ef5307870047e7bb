import datetime

from django.db import migrations, models

import apps.core.dates

# A date of birth is in the past and not before 1900 (apps/core/dates.py gives the API's
# message). The lower bound is immutable: a CHECK. "In the past" moves with the clock, which a
# CHECK may not use: a trigger on the rows written, so no row ever becomes invalid with time.
# The condition is the trigger's WHEN (evaluated without calling the function: a bulk load
# pays nearly nothing); the function only raises.
IN_THE_PAST = """
CREATE OR REPLACE FUNCTION users_date_of_birth_in_past() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
    AS $$
BEGIN
    RAISE EXCEPTION 'date_of_birth % is not in the past', NEW.date_of_birth
        USING ERRCODE = 'check_violation', CONSTRAINT = 'users_date_of_birth_in_past',
              TABLE = 'users', COLUMN = 'date_of_birth';
END;
$$;
COMMENT ON FUNCTION users_date_of_birth_in_past() IS
    'Refuses the row: its date of birth is today or later (trigger of the same name).';
CREATE TRIGGER users_date_of_birth_in_past
    BEFORE INSERT OR UPDATE OF date_of_birth ON users
    FOR EACH ROW WHEN (NEW.date_of_birth >= current_date)
    EXECUTE FUNCTION users_date_of_birth_in_past();
COMMENT ON TRIGGER users_date_of_birth_in_past ON users IS
    'A date of birth written is in the past (CHECK users_date_of_birth_since_1900: from 1900).';
"""

DROP_IN_THE_PAST = """
DROP TRIGGER IF EXISTS users_date_of_birth_in_past ON users;
DROP FUNCTION IF EXISTS users_date_of_birth_in_past();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_api_tokens")]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="date_of_birth",
            field=models.DateField(
                blank=True, null=True, validators=[apps.core.dates.validate_date_of_birth]
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("date_of_birth__gte", datetime.date(1900, 1, 1))),
                name="users_date_of_birth_since_1900",
            ),
        ),
        migrations.RunSQL(IN_THE_PAST, DROP_IN_THE_PAST),
    ]
