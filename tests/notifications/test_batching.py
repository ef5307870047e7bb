"""New-message e-mails, batched per conversation: at most one e-mail per conversation per
recipient per 15 minutes. The first message is e-mailed at once; the next ones wait for one
digest job at the window's end (procrastinate's queueing lock: one pending per batch), which
lists them all. Every message is in the inbox at once. The clock is the test's."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone

from apps.messaging.services import message_send
from apps.notifications import clock
from apps.notifications.models import Notification
from apps.notifications.tasks import send_email_batch, send_notification
from tests.db import execute
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
BATCH_TASK = "apps.notifications.tasks.send_email_batch"
SEND_TASK = "apps.notifications.tasks.send_notification"


@pytest.fixture
def at(monkeypatch):
    """at(minutes): the notification rules' clock reads T0 + minutes from now on."""

    def move(minutes: float) -> dt.datetime:
        moment = T0 + dt.timedelta(minutes=minutes)
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    return move


def send(sender, recipient, subject: str) -> int:
    return message_send(recipient_id=recipient.pk, subject=subject, content="…", actor=sender).pk


def jobs(task: str) -> list[tuple]:
    """(args, status, scheduled_at) of the task's jobs, oldest first."""
    rows = execute(
        "SELECT args, status::text, scheduled_at FROM procrastinate_jobs "
        "WHERE task_name = %s ORDER BY id",
        [task],
    )
    return [(json.loads(args), status, due) for args, status, due in rows]


def run_due_jobs() -> None:
    """What a worker would run at the test's clock: each todo job of the two send tasks whose
    time has come, one at a time (each marked doing while it runs, then succeeded)."""
    while True:
        due = execute(
            "SELECT id, args FROM procrastinate_jobs WHERE task_name IN (%s, %s) "
            "AND status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= %s) "
            "ORDER BY id LIMIT 1",
            [SEND_TASK, BATCH_TASK, clock.now()],
        )
        if not due:
            return
        [(job_id, args)] = due
        execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [job_id])
        [(task,)] = execute("SELECT task_name FROM procrastinate_jobs WHERE id = %s", [job_id])
        (send_notification if task == SEND_TASK else send_email_batch)(**json.loads(args))
        execute("UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = %s", [job_id])


def test_one_e_mail_at_once_then_one_digest_at_the_end_of_the_window(at):
    ana, bea = UserFactory(name="Ana"), UserFactory(email="bea@example.com")

    at(0)
    send(ana, bea, "Arrival time?")
    run_due_jobs()
    [first] = mail.outbox
    assert first.subject == "New message from Ana" and first.to == ["bea@example.com"]

    at(3)
    send(ana, bea, "Parking?")
    at(9)
    send(ana, bea, "Towels?")
    # Both in the inbox already; their e-mail waits for one digest, due at T0 + 15 min.
    assert Notification.objects.filter(recipient=bea, kind="message_received").count() == 3
    [(args, status, due)] = jobs(BATCH_TASK)
    assert status == "todo" and due == T0 + dt.timedelta(minutes=15)
    assert args == {
        "recipient_id": bea.pk,
        "batch": f"conversation:{ana.pk}",
        "kind": "message_received",
    }
    at(14)
    run_due_jobs()
    assert len(mail.outbox) == 1  # not yet

    # The digest, run early (a retry, say), waits for the window's end instead of sending.
    mail.outbox.clear()
    execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE task_name = %s", [BATCH_TASK])
    send_email_batch(recipient_id=bea.pk, batch=f"conversation:{ana.pk}", kind="message_received")
    assert mail.outbox == []
    assert [row[1:] for row in jobs(BATCH_TASK)] == [
        ("doing", T0 + dt.timedelta(minutes=15)),
        ("todo", T0 + dt.timedelta(minutes=15)),
    ]
    execute("UPDATE procrastinate_jobs SET status = 'failed' WHERE status = 'doing'")

    # At the window's end: one e-mail listing both messages.
    at(15)
    run_due_jobs()
    [digest] = mail.outbox
    assert digest.subject == "2 new messages from Ana"
    assert "Ana sent you 2 more messages:" in digest.body
    assert "- Parking?" in digest.body and "- Towels?" in digest.body
    assert "Arrival time?" not in digest.body
    first_id, last_id = (
        Notification.objects.filter(recipient=bea, email_batch__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert digest.extra_headers["Message-ID"].startswith(
        f"<notification.{first_id}-{last_id}.batch@"
    )
    assert not Notification.objects.filter(recipient=bea, sent_at__isnull=True).exists()


def test_at_most_one_e_mail_per_window_even_right_after_a_digest(at):
    ana, bea = UserFactory(name="Ana"), UserFactory()
    at(0)
    send(ana, bea, "one")
    at(1)
    send(ana, bea, "two")
    at(15)
    run_due_jobs()
    assert [m.subject for m in mail.outbox] == ["New message from Ana", "1 new message from Ana"]

    # The digest opened a new window: a message 5 minutes later waits until T0 + 30 min.
    at(20)
    send(ana, bea, "three")
    waiting = [row for row in jobs(BATCH_TASK) if row[1] == "todo"]
    assert [row[2] for row in waiting] == [T0 + dt.timedelta(minutes=30)]
    at(29)
    run_due_jobs()
    assert len(mail.outbox) == 2

    # Past every window: the next message is e-mailed at once again.
    at(30)
    run_due_jobs()
    at(60)
    send(ana, bea, "four")
    run_due_jobs()
    assert [m.subject for m in mail.outbox][2:] == [
        "1 new message from Ana",
        "New message from Ana",
    ]


def test_only_one_digest_waits_per_conversation_and_conversations_are_apart(at):
    ana, cy, bea = UserFactory(name="Ana"), UserFactory(name="Cy"), UserFactory()
    at(0)
    for minute, subject in enumerate(["a1", "a2", "a3", "a4"]):
        at(minute)
        send(ana, bea, subject)
    send(cy, bea, "c1")  # another conversation: its own window, e-mailed at once
    send(ana, cy, "to cy")  # another recipient: likewise

    batches = [row for row in jobs(BATCH_TASK) if row[1] == "todo"]
    assert [row[0]["batch"] for row in batches] == [f"conversation:{ana.pk}"]
    assert len(jobs(SEND_TASK)) == 3  # a1, c1, "to cy"
    assert Notification.objects.filter(kind="message_received").count() == 6

    at(15)
    run_due_jobs()
    digest = [m for m in mail.outbox if m.subject == "3 new messages from Ana"]
    assert len(digest) == 1 and all(f"- a{i}" in digest[0].body for i in (2, 3, 4))
