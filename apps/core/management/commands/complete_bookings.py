from django.core.management.base import BaseCommand

from apps.bookings.services import bookings_complete_past
from apps.core.context import DbContext, db_context


class Command(BaseCommand):
    help = "Mark confirmed bookings whose check-out has passed as completed (hourly)."

    def handle(self, *args, **options):
        with db_context(DbContext.for_command("complete_bookings")):
            completed = bookings_complete_past()
        self.stdout.write(f"complete_bookings: {completed} bookings completed")
