from django.conf import settings
from django.db import migrations
from psycopg import sql

# Versions go when their listing is purged (a privileged command): the ORM's cascade deletes
# them first, which needs a DELETE policy; nobody else ever deletes history.
SQL = """
CREATE POLICY listing_versions_privileged_delete ON listing_versions FOR DELETE
    USING ((SELECT app_is_privileged()));
"""


def revoke_writes(apps, schema_editor):
    # Versions are written by the SECURITY DEFINER trigger only: the application cannot forge
    # or rewrite one.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("REVOKE INSERT, UPDATE, TRUNCATE ON listing_versions FROM {}").format(
                sql.Identifier(settings.DATABASE_APP_ROLE)
            )
        )


def grant_writes(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("GRANT INSERT, UPDATE ON listing_versions TO {}").format(
                sql.Identifier(settings.DATABASE_APP_ROLE)
            )
        )


class Migration(migrations.Migration):
    dependencies = [("listings", "0003_row_level_security_audit_versions")]

    operations = [
        migrations.RunSQL(
            SQL, "DROP POLICY listing_versions_privileged_delete ON listing_versions;"
        ),
        migrations.RunPython(revoke_writes, grant_writes),
    ]
