"""Queue the sync of every imported calendar feed (every 15 minutes from cron): the worker
fetches each (sync_calendar_feed)."""

from apps.bookings.tasks import queue_calendar_feed_syncs
from apps.core.locks import command_lock
from apps.core.management.base import BaseCommand


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        # Acts as command:sync_calendar_feeds (apps/core/commands.py): reads every feed.
        with command_lock("sync_calendar_feeds"):
            queued = queue_calendar_feed_syncs()
        self.stdout.write(f"sync_calendar_feeds: {queued} feeds queued")
