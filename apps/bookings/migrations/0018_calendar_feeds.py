"""bookings: calendars imported from other platforms (issue 17, part 2: iCal import).

- calendar_feeds: a listing's imported calendar (an http/https URL its host gave, once per
  listing), with its last sync, status, error and conflicts, and the previous answer's
  validators for a conditional GET.
- calendar_entries.feed_id / feed_uid: a block laid by the sync names its feed and the event
  (UID and occurrence) it stands for, once per feed; only blocks are imported
  (calendar_entries_feed_shape). Deleting a feed lifts its blocks. The guard
  calendar_entries_guard needs no change: the sync runs as a system actor and names the
  listing's host as the block's author, as it requires.
- Row-level security on calendar_feeds, forced: the listing's owner reads, adds and removes
  its feeds (in their tenant); staff and system actors (the sync job) manage every row. Audit
  trail.
"""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

from apps.core.db.comments import audit_trigger_comments, comment_on

SQL = """
ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY;

CREATE POLICY calendar_feeds_owner ON calendar_feeds
    USING (EXISTS (SELECT 1 FROM listings l
                   WHERE l.id = calendar_feeds.listing_id
                     AND l.owner_id = (SELECT app_user_id())))
    WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND EXISTS (
        SELECT 1 FROM listings l
        WHERE l.id = calendar_feeds.listing_id AND l.owner_id = (SELECT app_user_id())));
CREATE POLICY calendar_feeds_staff_and_system ON calendar_feeds
    USING ((SELECT app_is_privileged()))
    WITH CHECK ((SELECT app_is_privileged()));

SELECT audit_enable('calendar_feeds');
"""

REVERSE = """
DROP TRIGGER calendar_feeds_audit_insert ON calendar_feeds;
DROP TRIGGER calendar_feeds_audit_update ON calendar_feeds;
DROP TRIGGER calendar_feeds_audit_delete ON calendar_feeds;
DROP POLICY calendar_feeds_staff_and_system ON calendar_feeds;
DROP POLICY calendar_feeds_owner ON calendar_feeds;
ALTER TABLE calendar_feeds NO FORCE ROW LEVEL SECURITY;
ALTER TABLE calendar_feeds DISABLE ROW LEVEL SECURITY;
"""

COMMENTS = {
    "TABLE calendar_feeds": (
        "Calendars a listing imports from other platforms (iCalendar URLs): their events become "
        "blocks (calendar_entries.feed_id); each sync records its time, status and conflicts."
    ),
    "POLICY calendar_feeds_owner ON calendar_feeds": (
        "A listing's owner reads, adds and removes its imported calendars."
    ),
    "POLICY calendar_feeds_staff_and_system ON calendar_feeds": (
        "Staff and system actors (the sync job) manage every imported calendar."
    ),
    **audit_trigger_comments("calendar_feeds"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0016_email_change_guard"),
        ("bookings", "0017_calendar_export"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarFeed",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("url", models.URLField(max_length=2000, verbose_name="address")),
                (
                    "name",
                    models.CharField(
                        blank=True, db_default="", default="", max_length=100, verbose_name="name"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Not synced yet"),
                            ("ok", "Synced"),
                            ("conflict", "Synced, with conflicts"),
                            ("error", "Failed"),
                        ],
                        db_default="pending",
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                (
                    "last_synced_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last sync"),
                ),
                (
                    "last_error",
                    models.CharField(
                        blank=True,
                        db_default="",
                        default="",
                        max_length=500,
                        verbose_name="last error",
                    ),
                ),
                (
                    "etag",
                    models.CharField(blank=True, db_default="", default="", max_length=500),
                ),
                (
                    "last_modified",
                    models.CharField(blank=True, db_default="", default="", max_length=100),
                ),
                (
                    "conflicts",
                    models.JSONField(blank=True, default=list, verbose_name="conflicts"),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(),
                        editable=False,
                        verbose_name="created at",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "listing",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calendar_feeds",
                        to="listings.listing",
                        verbose_name="listing",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.tenant",
                        verbose_name="tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "calendar feed",
                "verbose_name_plural": "calendar feeds",
                "db_table": "calendar_feeds",
                "ordering": ["listing", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("listing", "url"),
                        name="calendar_feeds_once_per_listing",
                        violation_error_message="This calendar is imported already.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("url__regex", "^https?://")),
                        name="calendar_feeds_http_only",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["pending", "ok", "conflict", "error"])),
                        name="calendar_feeds_status_valid",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="calendarentry",
            name="feed",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="blocks",
                to="bookings.calendarfeed",
                verbose_name="imported from",
            ),
        ),
        migrations.AddField(
            model_name="calendarentry",
            name="feed_uid",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                max_length=300,
                verbose_name="event in the feed",
            ),
        ),
        migrations.AddConstraint(
            model_name="calendarentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("feed__isnull", True), ("feed_uid", "")),
                    models.Q(
                        ("feed__isnull", False),
                        ("kind", "block"),
                        models.Q(("feed_uid", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="calendar_entries_feed_shape",
            ),
        ),
        migrations.AddConstraint(
            model_name="calendarentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("feed__isnull", False)),
                fields=("feed", "feed_uid"),
                name="calendar_entries_feed_event_once",
            ),
        ),
        migrations.RunSQL(SQL, REVERSE),
        comment_on(COMMENTS),
    ]
