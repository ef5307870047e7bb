"""bookings: the secret calendar URL's rotation counter (issue 17, part 2: iCal export).

- calendar_exports (listing_id unique, version, rotated_at): the URL's token is an HMAC
  of the listing and this version under SECRET_KEY (apps/bookings/calendar_export.py); no
  secret is stored. A listing without a row is at version 0.
- Row-level security, forced: a listing's owner reads and bumps its row; staff and system
  actors (the export itself reads the version as system:calendar_export, once the request
  names a listing) manage every row. Audit trail: who rotated, when.
"""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models

from apps.core.db.comments import audit_trigger_comments, comment_on

SQL = """
ALTER TABLE calendar_exports ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_exports FORCE ROW LEVEL SECURITY;

CREATE POLICY calendar_exports_owner ON calendar_exports
    USING (EXISTS (SELECT 1 FROM listings l
                   WHERE l.id = calendar_exports.listing_id
                     AND l.owner_id = (SELECT app_user_id())))
    WITH CHECK (EXISTS (SELECT 1 FROM listings l
                        WHERE l.id = calendar_exports.listing_id
                          AND l.owner_id = (SELECT app_user_id())));
CREATE POLICY calendar_exports_staff_and_system ON calendar_exports
    USING ((SELECT app_is_privileged()))
    WITH CHECK ((SELECT app_is_privileged()));

SELECT audit_enable('calendar_exports');
"""

REVERSE = """
DROP TRIGGER calendar_exports_audit_insert ON calendar_exports;
DROP TRIGGER calendar_exports_audit_update ON calendar_exports;
DROP TRIGGER calendar_exports_audit_delete ON calendar_exports;
DROP POLICY calendar_exports_staff_and_system ON calendar_exports;
DROP POLICY calendar_exports_owner ON calendar_exports;
ALTER TABLE calendar_exports NO FORCE ROW LEVEL SECURITY;
ALTER TABLE calendar_exports DISABLE ROW LEVEL SECURITY;
"""

COMMENTS = {
    "TABLE calendar_exports": (
        "The rotation counter of each listing's secret calendar URL (an HMAC of the listing and "
        "the version: nothing secret stored); rotating bumps it and retires older URLs."
    ),
    "POLICY calendar_exports_owner ON calendar_exports": (
        "A listing's owner reads and rotates its calendar URL."
    ),
    "POLICY calendar_exports_staff_and_system ON calendar_exports": (
        "Staff and system actors (the export, which checks the token) manage every row."
    ),
    **audit_trigger_comments("calendar_exports"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0016_calendar_sql"),
        ("listings", "0023_listing_search_stay_rules"),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarExport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "listing",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calendar_export",
                        to="listings.listing",
                        verbose_name="listing",
                    ),
                ),
                (
                    "version",
                    models.PositiveIntegerField(db_default=0, default=0, verbose_name="version"),
                ),
                (
                    "rotated_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(),
                        editable=False,
                        verbose_name="rotated at",
                    ),
                ),
            ],
            options={
                "verbose_name": "calendar export",
                "verbose_name_plural": "calendar exports",
                "db_table": "calendar_exports",
            },
        ),
        migrations.RunSQL(SQL, REVERSE),
        comment_on(COMMENTS),
    ]
