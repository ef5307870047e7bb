"""purge_jobs, the queue's daily upkeep: finished jobs (succeeded, cancelled, aborted) go
JOBS_RETENTION_DAYS after their last event, failed ones after JOBS_FAILED_RETENTION_DAYS, with
their events and last errors; open jobs and recent ones stay."""

import io

import pytest
from django.core.management import call_command

from apps.notifications.tasks import send_notification
from tests.db import execute

pytestmark = pytest.mark.django_db


def job(status: str, days_ago: float) -> int:
    """A job in `status` whose events all happened `days_ago`, with a job_failures row."""
    job_id = send_notification.defer(notification_id=1)
    execute("UPDATE procrastinate_jobs SET status = %s WHERE id = %s", [status, job_id])
    execute("INSERT INTO procrastinate_events (job_id, type) VALUES (%s, 'started')", [job_id])
    execute(
        "UPDATE procrastinate_events SET at = now() - %s * interval '1 day' WHERE job_id = %s",
        [days_ago, job_id],
    )
    execute(
        "INSERT INTO job_failures (job_id, attempts, error, failed_at) VALUES (%s, 1, 'x', now())",
        [job_id],
    )
    return job_id


def left(table: str, column: str = "job_id") -> set[int]:
    return {row[0] for row in execute(f"SELECT DISTINCT {column} FROM {table}")}  # noqa: S608


def run(*args) -> str:
    out = io.StringIO()
    call_command("purge_jobs", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def queue():
    return {
        "succeeded 15 days ago": job("succeeded", 15),
        "succeeded 13 days ago": job("succeeded", 13),
        "cancelled 15 days ago": job("cancelled", 15),
        "aborted 20 days ago": job("aborted", 20),
        "failed 15 days ago": job("failed", 15),
        "failed 91 days ago": job("failed", 91),
        "todo 100 days ago": job("todo", 100),
        "doing 100 days ago": job("doing", 100),
    }


GONE = {"succeeded 15 days ago", "cancelled 15 days ago", "aborted 20 days ago",
        "failed 91 days ago"}  # fmt: skip


def test_finished_jobs_go_after_14_days_failed_ones_after_90_with_their_events(queue):
    out = run()

    kept = {name for name, job_id in queue.items() if job_id in left("procrastinate_jobs", "id")}
    assert kept == set(queue) - GONE
    expected = {queue[name] for name in kept}
    assert left("procrastinate_events") == expected
    assert left("job_failures") == expected
    assert out == "purge_jobs: deleted 4 finished jobs (kept 14 days, failed 90)\n"
    assert run() == "purge_jobs: deleted 0 finished jobs (kept 14 days, failed 90)\n"


def test_a_dry_run_counts_and_deletes_nothing(queue):
    assert (
        run("--dry-run") == "purge_jobs: would delete 4 finished jobs (kept 14 days, failed 90)\n"
    )
    assert left("procrastinate_jobs", "id") == set(queue.values())


def test_small_batches_delete_the_same_and_the_retention_is_a_setting(queue, settings):
    settings.JOBS_RETENTION_DAYS = 10
    settings.JOBS_FAILED_RETENTION_DAYS = 14

    out = run("--batch-size", "1")

    assert out == "purge_jobs: deleted 6 finished jobs (kept 10 days, failed 14)\n"
    assert left("procrastinate_jobs", "id") == {
        queue["todo 100 days ago"],
        queue["doing 100 days ago"],
    }
