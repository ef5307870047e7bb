"""Confirmed bookings whose check-out day has come become completed (hourly from cron)."""

import datetime as dt

from django.core.management.base import BaseCommand

from apps.bookings.services import booking_complete_past
from apps.core.context import DbContext, db_context
from apps.core.locks import command_lock


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
        with command_lock("complete_bookings"):
            with db_context(DbContext.for_command("complete_bookings")):
                completed = booking_complete_past(today=today)
        self.stdout.write(f"complete_bookings: {completed} bookings completed")
