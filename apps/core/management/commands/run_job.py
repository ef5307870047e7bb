"""Run a management command as a cron job: one line of summary, a non-zero exit code on
failure, and never two runs of the same job at once (a PostgreSQL advisory lock).

    python manage.py run_job purge_soft_deleted -- --older-than 30d --noinput

Exit codes: 0 done, 1 failed, 75 (EX_TEMPFAIL) skipped because the same job is running.
"""

import argparse
import io
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.core.locks import JobAlreadyRunning, job_lock

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("job", help="The management command to run")
        parser.add_argument("job_args", nargs=argparse.REMAINDER, help="Its arguments, after --")

    def handle(self, *args, job, job_args, **options):
        if job_args[:1] == ["--"]:
            job_args = job_args[1:]
        started = time.monotonic()
        output = io.StringIO()
        try:
            with job_lock(job):
                call_command(job, *job_args, stdout=output, stderr=output)
        except JobAlreadyRunning as exc:
            raise CommandError(
                f"job={job} status=skipped reason={exc}", returncode=EX_TEMPFAIL
            ) from exc
        except Exception as exc:
            seconds = time.monotonic() - started
            raise CommandError(
                f"job={job} status=failed seconds={seconds:.1f} "
                f"error={exc.__class__.__name__}: {exc}"
            ) from exc
        seconds = time.monotonic() - started
        last_line = (output.getvalue().strip().splitlines() or ["done"])[-1]
        self.stdout.write(f"job={job} status=ok seconds={seconds:.1f} summary={last_line}")
