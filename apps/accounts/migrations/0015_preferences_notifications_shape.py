"""users.preferences.notifications, when present, is {kind: {"email": boolean}}: an object of
kind names (lower-case identifiers) each mapping to an object whose only key is "email", a
boolean (apps/notifications/preferences.py). Which kinds exist is the code's registry: the API
refuses an unknown kind with a 400; PostgreSQL holds the shape, so that no path stores a
preference notify() would misread."""

from django.db import migrations

from apps.core.db.comments import comment_on

SQL = """
ALTER TABLE users ADD CONSTRAINT users_preferences_notifications_valid CHECK (
    NOT (preferences ? 'notifications')
    OR (
        jsonb_typeof(preferences -> 'notifications') = 'object'
        AND NOT jsonb_path_exists(
            preferences, 'strict $.notifications.* ? (@.type() != "object")', '{}', true)
        AND NOT jsonb_path_exists(
            preferences,
            'strict $.notifications.keyvalue() ? (!(@.key like_regex "^[a-z][a-z0-9_]{0,63}$"))',
            '{}', true)
        AND NOT jsonb_path_exists(
            preferences,
            'strict $.notifications.*.keyvalue() ? (@.key != "email" || @.value.type() != "boolean")',
            '{}', true)
    )
);
"""

REVERSE = "ALTER TABLE users DROP CONSTRAINT users_preferences_notifications_valid;"

COMMENTS = {
    "CONSTRAINT users_preferences_notifications_valid ON users": (
        'preferences.notifications, when present: {kind: {"email": true|false}}, kinds named '
        "like identifiers (which kinds exist: the API checks the registry)."
    ),
}


class Migration(migrations.Migration):
    dependencies = [("accounts", "0014_erasure")]

    operations = [migrations.RunSQL(SQL, REVERSE), comment_on(COMMENTS)]
