"""Writes to the job queue: retries from the back office, the daily purge of finished jobs."""

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from procrastinate import utils as procrastinate_utils
from procrastinate.contrib.django import app

from apps.core.context import as_system
from apps.core.errors import PermissionDenied
from apps.jobs.selectors import FAILED

RETRY_PERMISSION = "procrastinate.change_procrastinatejob"


def jobs_retry(*, job_ids: list[int], actor) -> int:
    """Queue another attempt, due now, of each failed job among `job_ids`; how many. The
    actor needs procrastinate.change_procrastinatejob (the admin's retry action)."""
    if not actor.has_perm(RETRY_PERMISSION):
        raise PermissionDenied(_("You may not retry jobs."))
    from procrastinate.contrib.django.models import ProcrastinateJob

    retried = 0
    # The queue answers system actors only; the actor's identity stays in the context.
    with as_system("jobs"):
        for job in ProcrastinateJob.objects.filter(pk__in=job_ids, status=FAILED).only(
            "id", "priority", "queue_name", "lock"
        ):
            app.job_manager.retry_job_by_id(
                job.id, procrastinate_utils.utcnow(), job.priority, job.queue_name, job.lock
            )
            retried += 1
    return retried


def _literal_pattern(text: str) -> str:
    """A PostgreSQL regular expression matching `text` literally (a backslash before any
    character that is not a letter or digit makes it literal)."""
    return "".join(c if c.isalnum() else "\\" + c for c in text)


def job_failures_forget(*, strings: list[str], placeholder: str) -> int:
    """An account's erasure: its e-mail address (or any of `strings`) leaves the error texts of
    failed jobs (an SMTP refusal quotes the recipient), case aside; how many rows changed. In a
    system context (the job_failures_system policy)."""
    changed = 0
    with connection.cursor() as cursor:
        for text in (value for value in strings if value):
            cursor.execute(
                "UPDATE job_failures SET error = regexp_replace(error, %s, %s, 'gi') "
                "WHERE strpos(lower(error), lower(%s)) > 0",
                [_literal_pattern(text), placeholder, text],
            )
            changed += cursor.rowcount
    return changed


# Finished jobs the purge deletes after JOBS_RETENTION_DAYS; failed ones wait for
# JOBS_FAILED_RETENTION_DAYS (someone may still retry them: a retried job is todo again, then
# succeeds or fails anew, and its clock restarts with its new events).
PURGED_STATUSES = ("succeeded", "cancelled", "aborted")

# A job's age is that of its last event (deferred, started, succeeded, failed…), read through
# procrastinate_events' job_id index; a job with no event at all (never seen by procrastinate's
# functions) is not touched. Events go with their job (ON DELETE CASCADE); job_failures rows
# (no foreign key: procrastinate owns the table) are deleted in the same statement.
_FINISHED_SQL = """
    SELECT j.id FROM procrastinate_jobs j
    CROSS JOIN LATERAL (
        SELECT max(e.at) AS at FROM procrastinate_events e WHERE e.job_id = j.id
    ) AS last_event
    WHERE (j.status = ANY(%(purged)s::procrastinate_job_status[])
           AND last_event.at < %(cutoff)s)
       OR (j.status = 'failed' AND last_event.at < %(failed_cutoff)s)
"""


def jobs_purge_cutoffs(*, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(finished before this are purged, failed before this are purged)."""
    return (
        now - dt.timedelta(days=settings.JOBS_RETENTION_DAYS),
        now - dt.timedelta(days=settings.JOBS_FAILED_RETENTION_DAYS),
    )


def _finished_jobs_sql(limit: bool) -> str:
    return _FINISHED_SQL + (" ORDER BY j.id LIMIT %(limit)s" if limit else "")


def jobs_count_purgeable(*, now: dt.datetime) -> int:
    """How many jobs jobs_purge_finished would delete now. In a system or command context."""
    cutoff, failed_cutoff = jobs_purge_cutoffs(now=now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM ({_finished_jobs_sql(limit=False)}) AS purgeable",  # noqa: S608
            {"purged": list(PURGED_STATUSES), "cutoff": cutoff, "failed_cutoff": failed_cutoff},
        )
        return cursor.fetchone()[0]


def jobs_purge_finished(*, now: dt.datetime, batch_size: int) -> int:
    """Delete at most `batch_size` jobs past their retention (succeeded, cancelled or aborted
    for JOBS_RETENTION_DAYS; failed for JOBS_FAILED_RETENTION_DAYS), with their events and
    their job_failures row; how many jobs. Open jobs (todo, doing) are never touched. In a
    system or command context (the queue answers system actors only)."""
    cutoff, failed_cutoff = jobs_purge_cutoffs(now=now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH doomed AS ({_finished_jobs_sql(limit=True)}),
            failures AS (DELETE FROM job_failures WHERE job_id IN (SELECT id FROM doomed))
            DELETE FROM procrastinate_jobs WHERE id IN (SELECT id FROM doomed)
            """,  # noqa: S608 (fixed SQL, values as parameters)
            {
                "purged": list(PURGED_STATUSES),
                "cutoff": cutoff,
                "failed_cutoff": failed_cutoff,
                "limit": batch_size,
            },
        )
        return cursor.rowcount
