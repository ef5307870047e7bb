"""Writes to the job queue from the back office."""

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
