"""Writes to the job queue from the back office."""

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
