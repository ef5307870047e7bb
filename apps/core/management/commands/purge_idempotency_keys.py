"""Delete Idempotency-Key rows past their 24 hours (hourly from cron), in short batches."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.context import DbContext, db_context
from apps.core.idempotency import TTL, idempotency_keys_expired, idempotency_keys_purge_expired
from apps.core.locks import command_lock


class Command(BaseCommand):
    # No confirmation prompt: an expired key is already dead (a request reusing it runs as
    # new), so deleting it loses nothing; cron runs this every hour.
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing")

    def handle(self, *args, batch_size, dry_run, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        now = timezone.now()  # one cut-off for every batch
        context = DbContext.for_command("purge_idempotency_keys")
        with command_lock("purge_idempotency_keys"):
            if dry_run:
                with db_context(context):
                    count = idempotency_keys_expired(now=now).count()
                verb = "would delete"
            else:
                count = self._purge(now, batch_size, context)
                verb = "deleted"
        self.stdout.write(
            f"purge_idempotency_keys: {verb} {count} keys created before "
            f"{now - TTL:%Y-%m-%d %H:%M} UTC"
        )

    @staticmethod
    def _purge(now, batch_size: int, context: DbContext) -> int:
        """Each batch is its own short transaction, so no lock is held for long."""
        total = 0
        while True:
            with db_context(context):
                deleted = idempotency_keys_purge_expired(now=now, batch_size=batch_size)
            total += deleted
            if deleted < batch_size:
                return total
