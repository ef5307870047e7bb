"""preferences.notifications: e-mail on or off per kind. Off: no e-mail, the in-app row all the
same; security kinds e-mailed whatever the preference; the API refuses unknown kinds and
non-booleans naming them, PostgreSQL refuses a bad shape."""

import pytest
from django.core import mail

from apps.accounts.models import User
from apps.bookings.services import booking_confirm
from apps.messaging.services import message_send
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.notifications.tasks import send_notification
from tests.db import acting_as, execute, refused
from tests.factories import BookingFactory, UserFactory
from tests.helpers import client_for, error

pytestmark = pytest.mark.django_db

MESSAGES_OFF = {"notifications": {"message_received": {"email": False}}}


def send_jobs() -> list[int]:
    """The notification ids of the queued send jobs."""
    rows = execute(
        "SELECT args ->> 'notification_id' FROM procrastinate_jobs "
        "WHERE task_name = 'apps.notifications.tasks.send_notification' ORDER BY id"
    )
    return [int(notification_id) for (notification_id,) in rows]


def test_turned_off_no_e_mail_is_queued_but_the_inbox_has_it():
    sender = UserFactory()
    recipient = UserFactory(preferences={"language": "fr", **MESSAGES_OFF})

    message_send(recipient_id=recipient.pk, subject="Hi", content="…", actor=sender)

    notification = Notification.objects.get(recipient=recipient, kind="message_received")
    assert send_jobs() == []
    assert notification.email_batch is None and notification.sent_at is None
    assert client_for(recipient).get("/api/v1/notifications/").json()["results"][0]["id"] == (
        notification.pk
    )


def test_other_kinds_stay_on_and_a_kind_left_out_is_on():
    booking = BookingFactory(status="pending", guest__preferences=MESSAGES_OFF)

    booking_confirm(booking=booking, actor=booking.listing.owner)

    confirmed = Notification.objects.get(kind="booking_confirmed")
    assert send_jobs() == [confirmed.pk]


def test_turned_off_after_the_event_the_send_job_sends_nothing():
    recipient = UserFactory()
    notification_id = notify(
        recipient_id=recipient.pk, kind="booking_confirmed", event_key="t:1", data={}
    )
    User.objects.filter(pk=recipient.pk).update(
        preferences={"notifications": {"booking_confirmed": {"email": False}}}
    )

    send_notification(notification_id=notification_id)

    assert mail.outbox == []
    assert Notification.objects.get(pk=notification_id).sent_at is None


def test_a_security_kind_is_e_mailed_whatever_the_preferences():
    # test_email is a security kind; a preference cannot even be stored through the API, so
    # it is written here directly, as an old row or another path might hold it.
    recipient = UserFactory(preferences={"notifications": {"test_email": {"email": False}}})

    notification_id = notify(recipient_id=recipient.pk, kind="test_email", event_key="t:2", data={})
    send_notification(notification_id=notification_id)

    assert send_jobs() == [notification_id]
    [email] = mail.outbox
    assert email.to == [recipient.email]


def test_the_api_stores_valid_preferences():
    user = UserFactory()
    client = client_for(user)

    response = client.patch(
        "/api/v1/users/me/",
        {"preferences": {"language": "en", **MESSAGES_OFF}},
        format="json",
    )

    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.preferences == {"language": "en", **MESSAGES_OFF}


@pytest.mark.parametrize(
    ("notifications", "fields"),
    [
        ({"no_such_kind": {"email": False}}, {"no_such_kind"}),
        ({"message_received": {"email": "no"}}, {"message_received"}),
        ({"message_received": {"sms": True}}, {"message_received"}),
        ({"message_received": False}, {"message_received"}),
        ({"test_email": {"email": False}}, {"test_email"}),  # a security kind
        ([], None),
    ],
)
def test_the_api_refuses_unknown_kinds_and_non_booleans_naming_them(notifications, fields):
    user = UserFactory(preferences={"language": "fr"})

    response = client_for(user).patch(
        "/api/v1/users/me/", {"preferences": {"notifications": notifications}}, format="json"
    )

    errors = error(response, 400, "invalid")["preferences"]["notifications"]
    if fields is not None:
        assert set(errors) == fields
    user.refresh_from_db()
    assert user.preferences == {"language": "fr"}


@pytest.mark.parametrize(
    "notifications",
    [
        '{"message_received": {"email": "no"}}',
        '{"message_received": {"sms": true}}',
        '{"message_received": [{"email": true}]}',
        '{"Not A Kind": {"email": true}}',
        "[]",
        "null",
    ],
)
def test_postgresql_refuses_a_bad_shape_as_app_user(notifications):
    user = UserFactory()

    with acting_as(user), refused("users_preferences_notifications_valid"):
        execute(
            "UPDATE users SET preferences = jsonb_build_object('notifications', %s::jsonb) "
            "WHERE id = %s",
            [notifications, user.pk],
        )
    with acting_as(user):
        execute(
            "UPDATE users SET preferences = %s::jsonb WHERE id = %s",
            ['{"notifications": {"message_received": {"email": false}}}', user.pk],
        )
    user.refresh_from_db()
    assert user.preferences == MESSAGES_OFF
