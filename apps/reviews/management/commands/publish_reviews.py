"""Reviews whose double-blind window has closed with one side only are published (hourly
from cron): row-level security already shows them; this counts them in the listing's rating."""

from apps.core.locks import command_lock
from apps.core.management.base import BaseCommand
from apps.reviews.services import reviews_publish_closed


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        # Acts as command:publish_reviews, like every command (apps/core/commands.py).
        with command_lock("publish_reviews"):
            published = reviews_publish_closed()
        self.stdout.write(f"publish_reviews: {published} reviews published")
