"""The notification kind messaging sends (apps.notifications.kinds), registered in ready().

Every message notifies its recipient in the inbox at once. E-mails are batched per
conversation — messaging has no threads: a conversation is the two users, so the recipient's
batch is "conversation:<sender id>" — at most one e-mail per 15 minutes: the first message is
e-mailed at once, those arriving within the next 15 minutes leave together in one e-mail at the
window's end (templates/emails/message_received_batch.*)."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from apps.notifications.kinds import NotificationKind, register
from apps.notifications.services import notify

MESSAGE_EMAIL_WINDOW = dt.timedelta(minutes=15)

MESSAGE_RECEIVED = register(
    NotificationKind("message_received", label=_("New messages"), batch_window=MESSAGE_EMAIL_WINDOW)
)


def notify_message_received(message, *, sender) -> None:
    notify(
        recipient_id=message.recipient_id,
        kind=MESSAGE_RECEIVED.name,
        event_key=f"message:{message.pk}:received",
        data={
            "message_id": message.pk,
            "sender_id": sender.pk,
            "sender_name": sender.name,
            "subject": message.subject,
        },
        email_batch=f"conversation:{sender.pk}",
    )
