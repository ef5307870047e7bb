"""Pending booking requests past their expires_at expire (every five minutes from cron): the
safety sweep behind each request's expiry job."""

import datetime as dt

from apps.bookings.services import booking_expire_overdue
from apps.core.locks import command_lock
from apps.core.management.base import BaseCommand


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            type=dt.datetime.fromisoformat,
            default=None,
            metavar="ISO-DATETIME",
            help="Expire requests overdue at this instant (default: now); with a UTC offset",
        )

    def handle(self, *args, now, **options):
        # Acts as command:expire_booking_requests (apps/core/commands.py), the one command
        # PostgreSQL lets expire a booking.
        with command_lock("expire_booking_requests"):
            expired = booking_expire_overdue(now=now)
        self.stdout.write(f"expire_booking_requests: {expired} requests expired")
