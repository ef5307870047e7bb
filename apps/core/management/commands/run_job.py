"""Run a management command as a cron job: one summary line, a non-zero exit code on failure,
and never two runs of the same job at once (a PostgreSQL advisory lock, apps/core/locks.py).

    python manage.py run_job purge_soft_deleted -- --older-than 30d --noinput

Prints `job=<name> status=ok seconds=<s> summary=<the job's last output line>`.
Exit codes: 0 done, 1 failed, 75 (EX_TEMPFAIL) skipped because the same job is still running.
"""

import argparse
import io
import time

from django.core.management import call_command
from django.core.management.base import CommandError

from apps.core.locks import EX_TEMPFAIL, JobAlreadyRunning, job_lock
from apps.core.management.base import BaseCommand


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
        except (Exception, SystemExit) as exc:
            # SystemExit: a command that calls sys.exit() (dbbackup's own prompts do).
            code = getattr(exc, "returncode", None) or getattr(exc, "code", None)
            returncode = code if isinstance(code, int) and code not in (0, EX_TEMPFAIL) else 1
            raise CommandError(
                f"job={job} status=failed seconds={time.monotonic() - started:.1f} "
                f"error={exc.__class__.__name__}: {_one_line(str(exc))}",
                returncode=returncode,
            ) from exc
        last_line = (output.getvalue().strip().splitlines() or ["done"])[-1]
        self.stdout.write(
            f"job={job} status=ok seconds={time.monotonic() - started:.1f} "
            f"summary={_one_line(last_line)}"
        )


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]
