from django.db import models
from django.utils.translation import gettext_lazy as _


class JobFailure(models.Model):
    """The last error of a job's failed attempt (procrastinate keeps states, not errors)."""

    job = models.OneToOneField(
        "procrastinate.ProcrastinateJob",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="failure",
        verbose_name=_("job"),
    )
    attempts = models.PositiveIntegerField(
        help_text=_("Attempts made when it failed last."), verbose_name=_("attempts")
    )
    error = models.TextField(verbose_name=_("error"))
    failed_at = models.DateTimeField(verbose_name=_("failed at"))

    class Meta:
        db_table = "job_failures"

    def __str__(self) -> str:
        return f"job {self.job_id}: {self.error[:80]}"
