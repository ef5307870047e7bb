"""The queue and the notifications, seen with raw SQL as app_user: user contexts cannot read
or change anyone's jobs; a notification is read by its recipient only and written by no user."""

import pytest
from django.db import transaction
from django.db.utils import InternalError, ProgrammingError

from apps.core.context import DbContext, db_context
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.notifications.tasks import send_notification
from tests.db import acting_as, execute, refused_by_policy, refused_column
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUEUE_TABLES = (
    "procrastinate_jobs procrastinate_events procrastinate_periodic_defers procrastinate_workers"
    " job_failures"
).split()


@pytest.fixture
def job():
    job_id = send_notification.defer(notification_id=123)
    execute(
        "INSERT INTO job_failures (job_id, attempts, error, failed_at) VALUES (%s, 1, 'x', now())",
        [job_id],
    )
    return job_id


def test_the_queue_answers_system_actors(job):
    with db_context(DbContext.system("jobs")):
        assert execute("SELECT id FROM procrastinate_jobs WHERE id = %s", [job]) == [(job,)]


@pytest.mark.parametrize("table", QUEUE_TABLES)
def test_a_user_context_reads_nothing_of_the_queue(job, table):
    with acting_as(UserFactory()):
        assert execute(f"SELECT count(*) FROM {table}") == [(0,)]  # noqa: S608 (a fixed list)


def test_a_user_context_cannot_change_delete_or_take_a_job(job):
    with acting_as(UserFactory()):
        execute("UPDATE procrastinate_jobs SET status = 'cancelled' WHERE id = %s", [job])
        execute("DELETE FROM procrastinate_jobs WHERE id = %s", [job])
        # A worker's fetch, called from a user context, finds no job to take.
        assert execute("SELECT id FROM procrastinate_fetch_job_v2(NULL, NULL)") == [(None,)]
        with (
            pytest.raises((InternalError, ProgrammingError), match="not found"),
            transaction.atomic(),
        ):
            execute("SELECT procrastinate_retry_job_v2(%s, now(), NULL, NULL, NULL)", [job])

    with db_context(DbContext.system("jobs")):
        assert execute(
            "SELECT status::text, attempts FROM procrastinate_jobs WHERE id = %s", [job]
        ) == [("todo", 0)]


def test_a_user_context_cannot_queue_a_job_itself():
    with acting_as(UserFactory()), refused_by_policy("procrastinate_jobs"):
        execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args) "
            "VALUES ('default', 'apps.notifications.tasks.send_notification', '{}')"
        )


def test_staff_read_the_queue_with_the_view_permission_only(job):
    plain_staff = UserFactory(staff=True)
    viewer = UserFactory(staff=True, permissions=["procrastinate.view_procrastinatejob"])

    with acting_as(plain_staff):
        assert execute("SELECT count(*) FROM procrastinate_jobs") == [(0,)]
    with acting_as(viewer):
        assert execute("SELECT id FROM procrastinate_jobs WHERE id = %s", [job]) == [(job,)]
        assert execute("SELECT error FROM job_failures WHERE job_id = %s", [job]) == [("x",)]
        execute("UPDATE procrastinate_jobs SET status = 'cancelled' WHERE id = %s", [job])
        assert execute("SELECT status::text FROM procrastinate_jobs WHERE id = %s", [job]) == [
            ("todo",)
        ]


@pytest.fixture
def notification():
    recipient = UserFactory()
    notification_id = notify(
        recipient_id=recipient.pk, kind="test_email", event_key="test:rls", data={"a": 1}
    )
    return Notification.objects.get(pk=notification_id)


def test_a_notification_is_read_by_its_recipient_only(notification):
    with acting_as(notification.recipient):
        assert execute("SELECT id FROM notifications") == [(notification.pk,)]
    with acting_as(UserFactory()):
        assert execute("SELECT id FROM notifications") == []


def test_no_user_writes_a_notification_not_even_their_own(notification):
    recipient = notification.recipient
    with acting_as(recipient):
        # Their own row's read_at only (tests/notifications/test_row_level_security.py).
        with refused_column("sent_at"):
            execute("UPDATE notifications SET sent_at = now() WHERE id = %s", [notification.pk])
        execute("DELETE FROM notifications WHERE id = %s", [notification.pk])
        with refused_by_policy("notifications"):
            execute(
                "INSERT INTO notifications (recipient_id, kind, event_key) "
                "VALUES (%s, 'test_email', 'forged')",
                [recipient.pk],
            )

    notification.refresh_from_db()
    assert notification.sent_at is None


def test_an_event_notifies_each_recipient_once(notification):
    again = notify(
        recipient_id=notification.recipient_id,
        kind="test_email",
        event_key=notification.event_key,
        data={},
    )

    assert again is None
    assert Notification.objects.filter(event_key=notification.event_key).count() == 1
