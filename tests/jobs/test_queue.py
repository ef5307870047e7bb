"""Deferring joins the caller's transaction; failures back off exponentially."""

import datetime as dt
import types

import pytest
from django.db import transaction
from django.utils import timezone

from apps.jobs.queue import BackoffRetry
from apps.notifications.tasks import send_email_batch, send_notification
from tests.db import execute
from tests.jobs.workers import clear_queue, owner_sql


def committed_status(job_id: int):
    """The job as another session sees it: only what was committed."""
    return owner_sql("SELECT status::text FROM procrastinate_jobs WHERE id = %s", [job_id])


@pytest.mark.django_db(transaction=True)
def test_a_job_exists_only_if_the_transaction_that_deferred_it_commits():
    clear_queue()
    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = send_notification.defer(notification_id=1)
        raise RuntimeError("the request fails after deferring")

    with transaction.atomic():
        committed = send_notification.defer(notification_id=2)
        # Inside the transaction: written on Django's connection, invisible to anyone else.
        assert committed_status(committed) == []

    assert committed_status(rolled_back) == []
    # Committed, and no worker runs: it waits.
    assert committed_status(committed) == [("todo",)]
    [(args,)] = owner_sql("SELECT args FROM procrastinate_jobs WHERE id = %s", [committed])
    assert args == {"notification_id": 2}
    clear_queue()


@pytest.mark.parametrize(
    ("attempts_before", "wait"),
    [(0, 30), (1, 60), (2, 120), (3, 240), (6, 1000)],
)
def test_failed_jobs_wait_twice_as_long_each_time_up_to_a_cap(settings, attempts_before, wait):
    settings.JOBS_RETRY_BASE_SECONDS = 30
    settings.JOBS_RETRY_MAX_SECONDS = 1000
    settings.JOBS_RETRY_MAX_ATTEMPTS = 10
    job = types.SimpleNamespace(attempts=attempts_before)

    before = timezone.now()
    decision = BackoffRetry().get_retry_decision(exception=OSError("refused"), job=job)

    assert BackoffRetry().wait_seconds(attempts_before + 1) == wait
    delay = (decision.retry_at - before).total_seconds()
    assert wait <= delay < wait + 5


def test_a_job_stops_retrying_after_its_last_attempt(settings):
    settings.JOBS_RETRY_MAX_ATTEMPTS = 3
    strategy = BackoffRetry()

    assert strategy.get_retry_decision(exception=OSError(), job=types.SimpleNamespace(attempts=1))
    assert (
        strategy.get_retry_decision(exception=OSError(), job=types.SimpleNamespace(attempts=2))
        is None
    )


@pytest.mark.django_db
def test_defer_once_keeps_one_waiting_job_per_queueing_lock():
    later = timezone.now() + dt.timedelta(minutes=15)

    first = send_email_batch.defer_once(
        queueing_lock="lock:a", schedule_at=later, recipient_id=1, batch="b", kind="k"
    )
    again = send_email_batch.defer_once(queueing_lock="lock:a", recipient_id=1, batch="b", kind="k")
    other = send_email_batch.defer_once(queueing_lock="lock:b", recipient_id=2, batch="b", kind="k")

    assert first is not None and again is None and other is not None
    # The caller's transaction is still usable, and the job is due when asked.
    assert execute(
        "SELECT queueing_lock, scheduled_at FROM procrastinate_jobs WHERE id = %s", [first]
    ) == [("lock:a", later)]
    # Once it runs (no longer todo), the lock is free for the next one.
    execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [first])
    assert send_email_batch.defer_once(
        queueing_lock="lock:a", recipient_id=1, batch="b", kind="k"
    ) not in (None, first)
