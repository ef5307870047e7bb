"""Delete finished jobs past their retention (daily from cron), in short batches: succeeded,
cancelled and aborted ones JOBS_RETENTION_DAYS (14) after their last event, failed ones after
JOBS_FAILED_RETENTION_DAYS (90), with their events and last errors. Open jobs stay."""

from django.conf import settings

from apps.core.batches import PurgeExpiredCommand
from apps.jobs.services import jobs_count_purgeable, jobs_purge_finished


class Command(PurgeExpiredCommand):
    help = __doc__
    job = "purge_jobs"

    def count_expired(self, now):
        return jobs_count_purgeable(now=now)

    def delete_batch(self, now, batch_size):
        return jobs_purge_finished(now=now, batch_size=batch_size)

    def describe(self, count, now):
        return (
            f"{count} finished jobs (kept {settings.JOBS_RETENTION_DAYS} days, failed "
            f"{settings.JOBS_FAILED_RETENTION_DAYS})"
        )
