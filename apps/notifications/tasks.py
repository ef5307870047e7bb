"""The send jobs: one e-mail per notification, or one per batch (a digest), however often they
run."""

from django.db import connection

from apps.jobs.queue import task
from apps.notifications import clock, kinds
from apps.notifications.emails import build_batch_email, build_email
from apps.notifications.models import Notification
from apps.notifications.preferences import email_wanted


def batch_lock(recipient_id: int, batch: str) -> str:
    """The queueing lock of a batch's digest job: one waits at a time."""
    return f"notifications:batch:{recipient_id}:{batch}"


@task(queue="emails")
def send_notification(*, notification_id: int) -> None:
    """Send the notification's e-mail unless it was sent already, then mark it sent.

    The row stays locked while the e-mail leaves, so that a second run waits and then finds
    sent_at set. Should the commit fail after the SMTP server accepted the message, the retry
    sends it again with the same Message-ID (receivers drop such duplicates): at least once,
    and exactly once unless the database fails at that instant. The recipient's preferences
    are read again here: e-mails they turned off since the event are not sent (sent_at stays
    NULL)."""
    notification = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.sent_at is not None:
        return
    if not email_wanted(notification.recipient.preferences, kinds.get(notification.kind)):
        return
    build_email(notification).send()
    notification.sent_at = clock.now()
    notification.save(update_fields=["sent_at"])


@task(queue="emails")
def send_email_batch(*, recipient_id: int, batch: str, kind: str) -> None:
    """The digest of a batch: one e-mail listing every notification of `batch` to
    `recipient_id` still waiting (email_batch set, sent_at NULL), then they are marked sent and
    the recipient's window for the batch starts again now — at most one e-mail per window.

    Scheduled by notify() at the end of the window that was open when a notification arrived,
    with the batch's queueing lock (one pending at a time). Run early (a retry, a clock
    moved), it waits for the window's end again instead of sending."""
    window = kinds.get(kind).batch_window
    with connection.cursor() as cursor:
        # The window's row lock orders this job with notify() calls of the same batch.
        cursor.execute(
            "SELECT opened_at FROM notification_email_windows "
            "WHERE recipient_id = %s AND batch = %s FOR UPDATE",
            [recipient_id, batch],
        )
        row = cursor.fetchone()
    now = clock.now()
    if row is not None and row[0] + window > now:
        send_email_batch.defer_once(
            queueing_lock=batch_lock(recipient_id, batch),
            schedule_at=row[0] + window,
            recipient_id=recipient_id,
            batch=batch,
            kind=kind,
        )
        return
    waiting = list(
        Notification.objects.select_for_update(of=("self",))
        .select_related("recipient")
        .filter(recipient_id=recipient_id, email_batch=batch, sent_at__isnull=True)
        .order_by("created_at", "id")
    )
    if not waiting:
        return
    if email_wanted(waiting[0].recipient.preferences, kinds.get(kind)):
        build_batch_email(waiting).send()
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(sent_at=now)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE notification_email_windows SET opened_at = %s "
                "WHERE recipient_id = %s AND batch = %s",
                [now, recipient_id, batch],
            )
    else:
        # Turned off meanwhile: these will never be e-mailed; they stay in the inbox.
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(email_batch=None)
