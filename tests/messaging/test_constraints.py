"""PostgreSQL itself refuses bad messages, whatever writes them: the ORM without full_clean(), a
bulk update, or raw SQL."""

import pytest
from django.utils import timezone

from apps.messaging.models import Message
from tests.db import as_table_owner, execute, refused, refused_column
from tests.factories import MessageFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_nobody_sends_a_message_to_themself():
    user = UserFactory()

    with refused("messages_not_to_self"):
        MessageFactory(sender=user, recipient=user)


def test_a_message_cannot_be_readdressed_to_its_sender():
    message = MessageFactory()

    with refused("messages_not_to_self"):
        MessageFactory(sender=message.sender, recipient=message.sender)
    # Once sent, its parties never change at all (messaging.0005): the owner role, the only
    # one that may, still meets the constraint.
    with as_table_owner(), refused("messages_not_to_self"):
        execute("UPDATE messages SET sender_id = recipient_id WHERE id = %s", [message.pk])
    with refused_column("recipient_id"):
        Message.objects.filter(pk=message.pk).update(recipient=message.sender)


def test_a_read_message_has_a_read_time():
    with refused("messages_read_has_read_at"):
        MessageFactory(is_read=True, read_at=None)

    message = MessageFactory()
    with refused("messages_read_has_read_at"):
        Message.objects.filter(pk=message.pk).update(is_read=True)
    with refused("messages_read_has_read_at"):
        execute("UPDATE messages SET is_read = true WHERE id = %s", [message.pk])

    Message.objects.filter(pk=message.pk).update(is_read=True, read_at=timezone.now())
    assert Message.objects.get(pk=message.pk).is_read


def test_more_than_ten_attachments_are_refused():
    with refused("messages_attachments_max_10"):
        MessageFactory(attachments=[f"https://files.example.com/{i}.pdf" for i in range(11)])
