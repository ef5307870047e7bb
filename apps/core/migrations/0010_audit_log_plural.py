"""Admin wording only: the audit log lists "audit log entries" (it read "15 audit log")."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_session_security"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditlog",
            options={"verbose_name": "audit log entry", "verbose_name_plural": "audit log entries"},
        ),
    ]
