"""The send job: one e-mail per notification, however often it runs."""

from django.utils import timezone

from apps.jobs.queue import task
from apps.notifications.emails import build_email
from apps.notifications.models import Notification


@task(queue="emails")
def send_notification(*, notification_id: int) -> None:
    """Send the notification's e-mail unless it was sent already, then mark it sent.

    The row stays locked while the e-mail leaves, so that a second run waits and then finds
    sent_at set. Should the commit fail after the SMTP server accepted the message, the retry
    sends it again with the same Message-ID (receivers drop such duplicates): at least once,
    and exactly once unless the database fails at that instant."""
    notification = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.sent_at is not None:
        return
    build_email(notification).send()
    notification.sent_at = timezone.now()
    notification.save(update_fields=["sent_at"])
