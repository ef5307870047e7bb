"""notifications in raw SQL as app_user: a recipient sets read_at on their own rows and nothing
else — no other column, no one else's row, no insert, no delete; staff read everyone's with
notifications.view_notification only; the e-mail windows answer system actors only."""

import pytest

from apps.notifications.models import Notification
from apps.notifications.services import notify
from tests.db import acting_as, execute, refused_by_policy, refused_column
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def notification():
    recipient = UserFactory()
    notification_id = notify(
        recipient_id=recipient.pk,
        kind="message_received",
        event_key="message:1:received",
        data={"subject": "Hi"},
    )
    return Notification.objects.select_related("recipient").get(pk=notification_id)


def test_the_recipient_sets_and_clears_read_at_on_their_own_row(notification):
    with acting_as(notification.recipient):
        execute("UPDATE notifications SET read_at = now() WHERE id = %s", [notification.pk])
        assert execute("SELECT read_at IS NOT NULL FROM notifications") == [(True,)]
        execute("UPDATE notifications SET read_at = NULL WHERE id = %s", [notification.pk])
        assert execute("SELECT read_at IS NULL FROM notifications") == [(True,)]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("kind", "'booking_confirmed'"),
        ("event_key", "'forged'"),
        ("data", """'{"subject": "forged"}'"""),
        ("sent_at", "now()"),
        ("created_at", "now() - interval '1 year'"),
        ("email_batch", "'conversation:0'"),
        ("id", "id + 1000"),
    ],
)
def test_the_recipient_changes_no_other_column(notification, column, value):
    with acting_as(notification.recipient), refused_column(column):
        execute(
            f"UPDATE notifications SET read_at = now(), {column} = {value} WHERE id = %s",  # noqa: S608
            [notification.pk],
        )

    fresh = Notification.objects.get(pk=notification.pk)
    assert (fresh.kind, fresh.read_at, fresh.data) == ("message_received", None, {"subject": "Hi"})


def test_the_recipient_cannot_give_their_row_away(notification):
    other = UserFactory()
    with acting_as(notification.recipient), refused_column("recipient_id"):
        execute(
            "UPDATE notifications SET recipient_id = %s WHERE id = %s", [other.pk, notification.pk]
        )


def test_no_one_else_updates_deletes_or_inserts_a_notification(notification):
    intruder = UserFactory()
    with acting_as(intruder):
        assert execute("SELECT count(*) FROM notifications") == [(0,)]
        execute("UPDATE notifications SET read_at = now() WHERE id = %s", [notification.pk])
        execute("DELETE FROM notifications WHERE id = %s", [notification.pk])
        with refused_by_policy("notifications"):
            execute(
                "INSERT INTO notifications (recipient_id, kind, event_key) "
                "VALUES (%s, 'message_received', 'forged')",
                [notification.recipient_id],
            )
    with acting_as(notification.recipient):
        # Their own: no delete policy, no insert policy either.
        execute("DELETE FROM notifications WHERE id = %s", [notification.pk])
        with refused_by_policy("notifications"):
            execute(
                "INSERT INTO notifications (recipient_id, kind, event_key) "
                "VALUES (%s, 'message_received', 'forged')",
                [notification.recipient_id],
            )

    assert Notification.objects.filter(pk=notification.pk, read_at__isnull=True).exists()
    assert Notification.objects.count() == 1


def test_staff_read_every_notification_with_the_view_permission_only(notification):
    plain_staff = UserFactory(staff=True)
    viewer = UserFactory(staff=True, permissions=["notifications.view_notification"])

    with acting_as(plain_staff):
        assert execute("SELECT count(*) FROM notifications") == [(0,)]
    with acting_as(viewer):
        assert execute("SELECT id FROM notifications") == [(notification.pk,)]
        # Reading is all: marking someone else's notification read changes nothing.
        execute("UPDATE notifications SET read_at = now() WHERE id = %s", [notification.pk])
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_the_e_mail_windows_answer_system_actors_only(notification):
    sender = UserFactory()
    for i in range(2):  # the second opens nothing: the window is there
        notify(
            recipient_id=notification.recipient_id,
            kind="message_received",
            event_key=f"message:{10 + i}:received",
            data={},
            email_batch=f"conversation:{sender.pk}",
        )
    assert execute("SELECT count(*) FROM notification_email_windows") == [(1,)]

    with acting_as(notification.recipient):
        assert execute("SELECT count(*) FROM notification_email_windows") == [(0,)]
        execute("UPDATE notification_email_windows SET opened_at = now() - interval '1 day'")
        execute("DELETE FROM notification_email_windows")
        with refused_by_policy("notification_email_windows"):
            execute(
                "INSERT INTO notification_email_windows (recipient_id, batch, opened_at) "
                "VALUES (%s, 'x', now())",
                [notification.recipient_id],
            )
    assert execute(
        "SELECT opened_at > now() - interval '1 hour' FROM notification_email_windows"
    ) == [(True,)]
