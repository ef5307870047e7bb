"""Confirmed bookings whose check-out day has come become completed (hourly from cron)."""

import datetime as dt

from apps.bookings.services import booking_complete_past
from apps.core.locks import command_lock
from apps.core.management.base import BaseCommand


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            metavar="YYYY-MM-DD",
            help="Complete stays checked out by this day (default: today, UTC)",
        )

    def handle(self, *args, today, **options):
        # Acts as command:complete_bookings, like every command (apps/core/commands.py).
        with command_lock("complete_bookings"):
            completed = booking_complete_past(today=today)
        self.stdout.write(f"complete_bookings: {completed} bookings completed")
