from django.db import models


class JobFailure(models.Model):
    """The last error of a job's failed attempt (procrastinate keeps states, not errors)."""

    job = models.OneToOneField(
        "procrastinate.ProcrastinateJob",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="failure",
    )
    attempts = models.PositiveIntegerField(help_text="Attempts made when it failed last.")
    error = models.TextField()
    failed_at = models.DateTimeField()

    class Meta:
        db_table = "job_failures"

    def __str__(self) -> str:
        return f"job {self.job_id}: {self.error[:80]}"
