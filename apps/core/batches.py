"""Cron jobs that delete rows past their life, in short transactions so that no lock is held
for long (purge_idempotency_keys, purge_expired_tokens)."""

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone

from apps.core.context import DbContext, db_context
from apps.core.locks import command_lock
from apps.core.management.base import BaseCommand


class PurgeExpiredCommand(BaseCommand):
    """Counts (`--dry-run`) or deletes the expired rows in batches, each batch its own
    transaction acting as `command:<job>`, under the job's advisory lock; prints one line.
    No confirmation prompt: what they purge is already dead to every reader."""

    job: str  # the command's name, also its lock's and its actor's

    def count_expired(self, now: dt.datetime) -> int:
        raise NotImplementedError

    def delete_batch(self, now: dt.datetime, batch_size: int) -> int:
        """Delete at most `batch_size` expired rows; how many."""
        raise NotImplementedError

    def describe(self, count: int, now: dt.datetime) -> str:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing")

    def handle(self, *args, batch_size, dry_run, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        now = timezone.now()  # one cut-off for every batch
        context = DbContext.for_command(self.job)
        with command_lock(self.job):
            if dry_run:
                with db_context(context):
                    count = self.count_expired(now)
            else:
                count = 0
                while True:
                    with db_context(context):
                        deleted = self.delete_batch(now, batch_size)
                    count += deleted
                    if deleted < batch_size:
                        break
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{self.job}: {verb} {self.describe(count, now)}")
