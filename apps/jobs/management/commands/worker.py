"""Run a job queue worker until SIGINT/SIGTERM (which let running jobs finish first).

    python manage.py worker                      # every queue, JOBS_WORKER_CONCURRENCY jobs at once
    python manage.py worker --queue emails --concurrency 2

Run as many as you like, on as many machines: each job is taken by one worker only
(procrastinate_fetch_job_v2 locks it, FOR UPDATE SKIP LOCKED)."""

from django.conf import settings
from django.core.management.base import CommandError

from apps.core.management.base import BaseCommand
from apps.jobs.worker import worker_app


class Command(BaseCommand):
    help = "Run a job queue worker (procrastinate) until interrupted."

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue", action="append", dest="queues", help="A queue to serve (repeatable)."
        )
        parser.add_argument("--concurrency", type=int, default=None)
        parser.add_argument("--name", default=None, help="The worker's name in the logs.")
        parser.add_argument(
            "--once",
            action="store_true",
            help="Run the jobs due now, then exit (scripts, tests).",
        )

    def handle(self, *args, queues, concurrency, name, once, **options):
        concurrency = concurrency or settings.JOBS_WORKER_CONCURRENCY
        if concurrency < 1:
            raise CommandError("--concurrency must be at least 1.")
        self.stdout.write(
            f"worker: queues={','.join(queues) if queues else 'all'} concurrency={concurrency}"
        )
        self.stdout.flush()
        worker_app(concurrency=concurrency).run_worker(
            queues=queues,
            concurrency=concurrency,
            name=name,
            wait=not once,
            install_signal_handlers=True,
            fetch_job_polling_interval=settings.JOBS_WORKER_POLL_SECONDS,
        )
        self.stdout.write("worker: stopped")
