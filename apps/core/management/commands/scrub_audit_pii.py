"""Scrub the personal data of audit rows older than AUDIT_PII_RETENTION_DAYS (daily from cron).

The rows stay — who (user id, actor) did what (table, record, action, the names of the changed
columns) and when — without the values (old_data, new_data, the values in `changes`), the IP
address and the user agent. Through audit_logs_scrub_expired (core.0013), the one path besides
an account's erasure that may rewrite the append-only audit log; in batches, each its own short
transaction, walked in ("timestamp", id) order so that every row is read once per run."""

import datetime as dt

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from apps.core.context import DbContext, db_context
from apps.core.erasure import audit_rows_to_scrub, audit_scrub_expired
from apps.core.locks import command_lock
from apps.core.management.base import BaseCommand

JOB = "scrub_audit_pii"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Scrub rows older than this many days (default: AUDIT_PII_RETENTION_DAYS).",
        )
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing")

    def handle(self, *args, days, batch_size, dry_run, **options):
        days = settings.AUDIT_PII_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        cutoff = timezone.now() - dt.timedelta(days=days)
        context = DbContext.for_command(JOB)
        with command_lock(JOB):
            if dry_run:
                with db_context(context):
                    count = audit_rows_to_scrub(cutoff=cutoff).count()
            else:
                count = audit_scrub_expired(cutoff=cutoff, batch_size=batch_size, context=context)
        verb = "would scrub" if dry_run else "scrubbed"
        self.stdout.write(
            f"{JOB}: {verb} {count} audit rows older than {days} days "
            f"(before {cutoff:%Y-%m-%d %H:%M} UTC)"
        )
