"""Reads of the job queue (the admin, tests)."""

from django.db.models import OuterRef, Subquery

FAILED = "failed"


def jobs_with_last_error():
    """Jobs, each with its last failed attempt's error and time (None when it never failed)."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    from apps.jobs.models import JobFailure

    failures = JobFailure.objects.filter(job_id=OuterRef("pk"))
    return ProcrastinateJob.objects.annotate(
        last_error=Subquery(failures.values("error")[:1]),
        last_failed_at=Subquery(failures.values("failed_at")[:1]),
    )
