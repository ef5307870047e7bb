"""bookings: tenant_id joins two unique keys that were per tenant already.

calendar_feeds_once_per_listing (listing_id, url) and calendar_entries_feed_event_once
(feed_id, feed_uid): a listing, and so its feeds and their events, belongs to one tenant, so
adding the tenant allows nothing new; the names stay (the services answer by them), the
leading columns too (the same look-ups use them). Citus needs the distribution column in
every unique key (docs/scaling.md, `dbinfo shard-readiness`).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0016_email_change_guard"),
        ("bookings", "0018_calendar_feeds"),
        ("listings", "0023_listing_search_stay_rules"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="calendarentry",
            name="calendar_entries_feed_event_once",
        ),
        migrations.RemoveConstraint(
            model_name="calendarfeed",
            name="calendar_feeds_once_per_listing",
        ),
        migrations.AddConstraint(
            model_name="calendarentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("feed__isnull", False)),
                fields=("feed", "feed_uid", "tenant"),
                name="calendar_entries_feed_event_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="calendarfeed",
            constraint=models.UniqueConstraint(
                fields=("listing", "url", "tenant"),
                name="calendar_feeds_once_per_listing",
                violation_error_message="This calendar is imported already.",
            ),
        ),
    ]
