"""Two messages of one conversation notified at the same instant, from two connections (two
app servers): the window's row lock makes the second wait for the first, so exactly one is
e-mailed at once and the other waits for the digest — never two e-mails in one window."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from apps.core.context import DbContext, db_context
from apps.notifications.models import Notification
from apps.notifications.services import notify
from tests.factories import UserFactory
from tests.jobs.workers import clear_queue, owner_sql

pytestmark = pytest.mark.django_db(transaction=True)


class Notifier(threading.Thread):
    """notify() in a transaction of its own connection, held open until `release` is set."""

    def __init__(self, recipient_id: int, number: int, release: threading.Event):
        super().__init__(daemon=True)
        self.recipient_id, self.number, self.release = recipient_id, number, release
        self.pid = None
        self.ready = threading.Event()  # in its transaction, its backend pid known
        self.notified = threading.Event()  # notify() returned, the transaction still open
        self.error = None

    def run(self):
        try:
            with db_context(DbContext.system("tests")), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    self.pid = cursor.fetchone()[0]
                self.ready.set()
                notify(
                    recipient_id=self.recipient_id,
                    kind="message_received",
                    event_key=f"message:{self.number}:received",
                    data={"subject": str(self.number)},
                    email_batch="conversation:race",
                )
                self.notified.set()
                self.release.wait(10)
        except Exception as error:  # reported by the test
            self.error = error
        finally:
            connections.close_all()


def wait_until_blocked(waiting: Notifier, blocking: Notifier) -> None:
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT %s = ANY (pg_blocking_pids(%s))", [blocking.pid, waiting.pid])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.005)
    raise AssertionError("the second notify did not wait for the first")


def test_two_messages_at_once_make_one_e_mail_and_one_digest():
    clear_queue()
    with db_context(DbContext.system("tests")):
        recipient = UserFactory()
    release_first, release_second = threading.Event(), threading.Event()
    release_second.set()  # the second commits as soon as it may
    first = Notifier(recipient.pk, 1, release_first)
    first.start()
    assert first.notified.wait(10)  # its window row locked, its transaction open
    second = Notifier(recipient.pk, 2, release_second)
    second.start()
    assert second.ready.wait(10)
    wait_until_blocked(second, first)
    assert not second.notified.is_set()

    release_first.set()
    first.join(10)
    second.join(10)

    assert (first.error, second.error) == (None, None)
    jobs = owner_sql(
        "SELECT task_name, args ->> 'notification_id' FROM procrastinate_jobs ORDER BY id"
    )
    with db_context(DbContext.system("tests")):
        rows = dict(Notification.objects.values_list("event_key", "email_batch"))
        ids = dict(Notification.objects.values_list("event_key", "id"))
    assert rows == {"message:1:received": None, "message:2:received": "conversation:race"}
    assert jobs == [
        ("apps.notifications.tasks.send_notification", str(ids["message:1:received"])),
        ("apps.notifications.tasks.send_email_batch", None),
    ]
    clear_queue()
