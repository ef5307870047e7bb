"""The queue in the back office (state, attempts, last error, retry for failed jobs) and on
/metrics (jobs by state, read at scrape time)."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.context import DbContext, db_context
from apps.notifications.tasks import send_notification
from tests.db import execute
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:procrastinate_procrastinatejob_changelist"


@pytest.fixture
def failed_job():
    job_id = send_notification.defer(notification_id=7)
    with db_context(DbContext.system("jobs")):
        execute(
            "UPDATE procrastinate_jobs SET status = 'failed', attempts = 3 WHERE id = %s", [job_id]
        )
        execute(
            "INSERT INTO job_failures (job_id, attempts, error, failed_at) "
            "VALUES (%s, 3, 'ConnectionRefusedError: [Errno 111] Connection refused', now())",
            [job_id],
        )
    return job_id


def client_for(*permissions):
    client = Client()
    client.force_login(UserFactory(staff=True, permissions=list(permissions)))
    return client


def job_status(job_id):
    with db_context(DbContext.system("tests")):
        return execute(
            "SELECT status::text, attempts FROM procrastinate_jobs WHERE id = %s", [job_id]
        )[0]


def test_the_job_list_shows_state_attempts_and_last_error(failed_job):
    page = client_for("procrastinate.view_procrastinatejob").get(reverse(CHANGELIST))

    assert page.status_code == 200
    [job] = [j for j in page.context["cl"].result_list if j.pk == failed_job]
    assert (job.status, job.attempts) == ("failed", 3)
    assert "Connection refused" in page.content.decode()
    # Viewing only: no retry action without the change permission, no add or delete.
    assert page.context["action_form"] is None
    detail = client_for("procrastinate.view_procrastinatejob").get(
        reverse("admin:procrastinate_procrastinatejob_change", args=[failed_job])
    )
    assert detail.status_code == 200
    assert "Connection refused" in detail.content.decode()


def test_staff_without_the_view_permission_see_no_job(failed_job):
    assert client_for().get(reverse(CHANGELIST)).status_code == 403


def test_the_retry_action_queues_a_failed_job_again(failed_job):
    client = client_for(
        "procrastinate.view_procrastinatejob", "procrastinate.change_procrastinatejob"
    )

    response = client.post(
        reverse(CHANGELIST), {"action": "retry", "_selected_action": [failed_job]}, follow=True
    )

    assert response.status_code == 200
    assert "Queued another attempt of 1 of 1 selected" in response.content.decode()
    # procrastinate counts the retry as an attempt: the job gets one more run, due now.
    assert job_status(failed_job) == ("todo", 4)


def scraped(client) -> dict[str, float]:
    """The queue's samples on /metrics, by name and labels."""
    lines = client.get("/metrics").content.decode().splitlines()
    return {
        name: float(value)
        for name, value in (line.rsplit(" ", 1) for line in lines)
        if name.startswith("havre_jobs")
    }


def test_metrics_count_the_jobs_by_state(client, failed_job):
    # Other tests' committed jobs may sit in the queue: count what this one adds.
    before = scraped(client)
    retrying = send_notification.defer(notification_id=8)
    send_notification.defer(notification_id=9)
    with db_context(DbContext.system("jobs")):
        execute("UPDATE procrastinate_jobs SET attempts = 1 WHERE id = %s", [retrying])

    after = scraped(client)

    assert before['havre_jobs{state="failed"}'] >= 1
    assert after['havre_jobs{state="todo"}'] == before['havre_jobs{state="todo"}'] + 2
    assert after["havre_jobs_retrying"] == before["havre_jobs_retrying"] + 1
    assert after['havre_jobs{state="failed"}'] == before['havre_jobs{state="failed"}']
    assert 'havre_jobs{state="doing"}' in after
