"""The messaging services' actor checks, asked of the services directly: a message's sender
or recipient deletes it (or staff holding messaging.delete_message); marking messages as spam
in bulk is for staff holding messaging.moderate_message. Underneath, row-level security hides
a message from anyone but its parties, so an outsider's raw UPDATE reaches no row."""

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.messaging import services
from apps.messaging.models import Message
from tests.actors import attempt, callers, staff_holding
from tests.db import acting_as, execute
from tests.factories import MessageFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTORS = {
    "sender": lambda message: message.sender,
    "recipient": lambda message: message.recipient,
    "outsider": lambda message: UserFactory(),
    "staff with delete_message": staff_holding("messaging.delete_message"),
    "moderator": staff_holding("messaging.moderate_message"),
    "bare staff": staff_holding(),
}


def _deleted(message):
    return Message.all_objects.values_list("deleted_at", flat=True).get(pk=message.pk) is not None


@pytest.mark.parametrize(
    ("caller", "allowed"), callers(ACTORS, "sender", "recipient", "staff with delete_message")
)
def test_a_party_deletes_a_message(caller, allowed):
    message = MessageFactory()
    actor = ACTORS[caller](message)

    attempt(allowed, lambda: services.message_soft_delete(message=message, actor=actor))

    assert _deleted(message) is allowed


@pytest.mark.parametrize(("caller", "allowed"), callers(ACTORS, "moderator"))
def test_only_moderators_mark_messages_as_spam_in_bulk(caller, allowed):
    message = MessageFactory()
    actor = ACTORS[caller](message)
    messages = Message.objects.filter(pk=message.pk)

    changed = attempt(
        allowed, lambda: services.messages_mark_spam(messages=messages, is_spam=True, actor=actor)
    )

    assert changed == (1 if allowed else None)
    assert messages.values_list("is_spam", flat=True).get() is allowed


def test_postgresql_hides_a_message_from_an_outsiders_raw_update():
    message = MessageFactory()

    with acting_as(UserFactory()):
        assert (
            execute(
                "UPDATE messages SET deleted_at = now(), is_spam = true WHERE id = %s RETURNING id",
                [message.pk],
            )
            == []
        )

    assert not _deleted(message) and not Message.objects.get(pk=message.pk).is_spam


def test_an_anonymous_caller_sends_nothing():
    recipient = UserFactory()

    attempt(
        False,
        lambda: services.message_send(
            recipient_id=recipient.pk, subject="Hi", content="Hello", actor=AnonymousUser()
        ),
    )

    assert not Message.objects.filter(recipient=recipient).exists()
