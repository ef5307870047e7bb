"""Havre's durable job queue: procrastinate on PostgreSQL, the way the rest of the code uses it.

    from apps.jobs.queue import task

    @task()
    def send_notification(*, notification_id: int) -> None:
        ...                      # runs in the worker as system:job:send_notification

    send_notification.defer(notification_id=42)   # in the caller's transaction

* **Deferring joins the caller's transaction.** procrastinate's Django connector inserts the job
  with Django's connection, so a job deferred inside `transaction.atomic()` (a request's service)
  commits or rolls back with it: a rolled-back booking leaves no e-mail behind, a committed one
  is in the queue even while no worker runs. `defer` acts as `system:jobs` for that insert (the
  jobs table answers system actors only) and keeps who asked, for the audit trail.
* **Each job runs in one transaction acting as `system:job:<task>`** (DbContext.system), so
  row-level security applies to what it does, and its failure rolls back everything it wrote.
  A job that waits on the network is declared `atomic=False` and opens short transactions of
  its own around its reads and writes, never across the wait.
* **Arguments are ids, never secrets.** They are stored in clear in procrastinate_jobs, shown in
  the admin and kept after the job ends: pass a notification's id, not a token or a password;
  the job reads what it needs (or makes a fresh token) when it runs.
* **Failures retry with exponential backoff** (BackoffRetry: JOBS_RETRY_BASE_SECONDS doubled at
  each attempt, at most JOBS_RETRY_MAX_SECONDS, JOBS_RETRY_MAX_ATTEMPTS attempts); the last error
  of every failed attempt is kept in job_failures, shown by the admin with the job.
"""

from __future__ import annotations

import datetime as dt
import functools
import traceback
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app

from apps.core.context import DbContext, as_system, db_context

DEFAULT_QUEUE = "default"


class BackoffRetry(BaseRetryStrategy):
    """Retry a failed job after base × 2^(attempt − 1) seconds, capped, until the attempts run
    out. Read from settings at each failure, so that tests and deployments tune it without
    redefining tasks."""

    def wait_seconds(self, attempts: int) -> float:
        """The wait after the `attempts`-th failed attempt (1 for the first)."""
        base = settings.JOBS_RETRY_BASE_SECONDS
        return min(base * 2 ** max(attempts - 1, 0), settings.JOBS_RETRY_MAX_SECONDS)

    def get_retry_decision(self, *, exception: BaseException, job) -> RetryDecision | None:
        attempts = job.attempts + 1  # job.attempts counts the attempts before this one
        if attempts >= settings.JOBS_RETRY_MAX_ATTEMPTS:
            return None
        return RetryDecision(retry_in={"seconds": self.wait_seconds(attempts)})


class Task:
    """A job type: `.defer(**kwargs)` queues a run in the caller's transaction; calling it runs
    the body directly (tests, shells) in the job's database context (or, `atomic=False`, as
    the worker would: outside a transaction)."""

    def __init__(
        self, func: Callable[..., Any], procrastinate_task, *, atomic: bool = True
    ) -> None:
        self.func = func
        self.procrastinate_task = procrastinate_task
        self.atomic = atomic
        self.name = procrastinate_task.name
        functools.update_wrapper(self, func)

    def defer(self, **kwargs: Any) -> int:
        """Queue one run; the job's id. Inside a transaction, the job exists only if it commits."""
        with as_system("jobs"):
            return self.procrastinate_task.defer(**kwargs)

    def defer_once(
        self, *, queueing_lock: str, schedule_at: dt.datetime | None = None, **kwargs: Any
    ) -> int | None:
        """Queue one run, due at `schedule_at` (now when None), unless a run holding the same
        queueing lock waits already (procrastinate's queueing_lock: one `todo` job per lock):
        the new job's id, or None.

        Callers of the same lock take turns on a transaction-scoped advisory lock, then look
        for a waiting job before inserting one: procrastinate's own answer to the unique
        violation cannot work here (row-level security hides the violation's detail, which it
        reads) and the violation would abort the caller's transaction."""
        configured = self.procrastinate_task.configure(
            queueing_lock=queueing_lock, schedule_at=schedule_at
        )
        with as_system("jobs"), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                [f"jobs:queueing_lock:{queueing_lock}"],
            )
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs "
                "WHERE queueing_lock = %s AND status = 'todo')",
                [queueing_lock],
            )
            if cursor.fetchone()[0]:
                return None
            return configured.defer(**kwargs)

    def __call__(self, **kwargs: Any) -> Any:
        if not self.atomic:
            return self.func(**kwargs)
        with db_context(job_context(self.func.__name__)):
            return self.func(**kwargs)


def job_context(task_name: str) -> DbContext:
    return DbContext.system(f"job:{task_name}")


def task(
    *, queue: str = DEFAULT_QUEUE, name: str | None = None, atomic: bool = True
) -> Callable[[Callable], Task]:
    """Declare a job type (keyword-only arguments, JSON-serialisable ids and plain values).

    `atomic=False`: the body runs outside any transaction and opens its own short ones, with
    `db_context(job_context(<its name>))` — for a job that waits on the network (a calendar
    feed fetched for up to its timeout), which must not hold a transaction, and a connection
    under transaction pooling, open while it waits."""

    def decorator(func: Callable[..., Any]) -> Task:
        task_name = name or f"{func.__module__}.{func.__name__}"

        def run(job_run, **kwargs: Any) -> Any:
            try:
                if not atomic:
                    return func(**kwargs)
                with db_context(job_context(func.__name__)):
                    return func(**kwargs)
            except Exception as error:
                record_failure(job_run.job, error)
                raise

        run.__name__ = func.__name__
        run.__module__ = func.__module__
        procrastinate_task = app.task(
            name=task_name, queue=queue, retry=BackoffRetry(), pass_context=True
        )(run)
        return Task(func, procrastinate_task, atomic=atomic)

    return decorator


def record_failure(job, error: BaseException) -> None:
    """Keep the attempt's error beside the job (job_failures), in a transaction of its own: the
    job's own rolled back with the error."""
    text = "".join(traceback.format_exception_only(type(error), error)).strip()[:4000]
    with db_context(DbContext.system("jobs")), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO job_failures (job_id, attempts, error, failed_at)
            VALUES (%s, %s, %s, now())
            ON CONFLICT (job_id) DO UPDATE
            SET attempts = EXCLUDED.attempts, error = EXCLUDED.error, failed_at = now()
            """,
            [job.id, job.attempts + 1, text],
        )
