"""A sent message never changes (messaging.0005): neither party, nor staff, nor a system actor
rewrites its words or its parties; the recipient's own flags still work."""

import pytest

from apps.core.context import db_context
from apps.messaging import services
from apps.messaging.models import Message
from tests.db import acting_as, execute, privileged_contexts, refused_column
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def test_the_recipient_cannot_rewrite_a_message_or_its_sender():
    message = MessageFactory()

    with acting_as(message.recipient), refused_column("content"):
        execute(
            "UPDATE messages SET content = 'I owe you nothing', sender_id = recipient_id,"
            " recipient_id = sender_id WHERE id = %s",
            [message.pk],
        )

    assert Message.objects.get(pk=message.pk).content == message.content


@pytest.mark.parametrize(
    ("column", "value"),
    [("subject", "'Re: nothing'"), ("attachments", "'{https://x.example/a.pdf}'"),
     ("sender_id", "recipient_id"), ("recipient_id", "sender_id")],
)  # fmt: skip
def test_the_sender_cannot_rewrite_what_they_sent(column, value):
    message = MessageFactory()

    with acting_as(message.sender), refused_column(column):
        execute(f"UPDATE messages SET {column} = {value} WHERE id = %s", [message.pk])  # noqa: S608


@privileged_contexts()
def test_nobody_of_the_runtime_role_rewrites_it(context):
    message = MessageFactory()

    with db_context(context()), refused_column("content"):
        execute("UPDATE messages SET content = 'redacted' WHERE id = %s", [message.pk])


def test_the_recipient_reads_archives_and_reports_it():
    message = MessageFactory()

    with acting_as(message.recipient):
        services.message_mark_read(message=message, actor=message.recipient)
        services.message_archive(message=message, actor=message.recipient)
        services.message_report_spam(message=message, actor=message.recipient)

    stored = Message.objects.get(pk=message.pk)
    assert (stored.is_read, stored.is_archived, stored.is_spam) == (True, True, True)
