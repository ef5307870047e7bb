"""Telling users what happened: one row per (event, recipient), one e-mail per row — or, for a
batched kind, one e-mail per batch per window.

    notify(recipient_id=listing.owner_id, kind="booking_requested",
           event_key=f"booking:{booking.pk}:requested", data={...})

Call it from the service that makes the event happen, inside its transaction: the notification
and its send job commit with the event or not at all. This app sits below every domain app
(above accounts' User only through the AUTH_USER_MODEL foreign key), so accounts, bookings and
messaging can all call it; it imports none of them.

The recipient's inbox: notification_mark_read and notifications_mark_all_read set read_at on
their own rows (PostgreSQL lets a recipient change that column only)."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import Now

from apps.core.actors import require_signed_in
from apps.core.context import as_system
from apps.core.erasure import jsonb_forget
from apps.core.errors import NotFound
from apps.notifications import clock, kinds
from apps.notifications.models import Notification
from apps.notifications.preferences import email_wanted
from apps.notifications.tasks import batch_lock, send_email_batch, send_notification

_INSERT_SQL = """
    INSERT INTO notifications (recipient_id, kind, event_key, data)
    VALUES (%s, %s, %s, %s::jsonb)
    ON CONFLICT (event_key, recipient_id) DO NOTHING
    RETURNING id
"""

# Opens the recipient's window for this batch unless one is open: a row comes back when it
# opened now (e-mail at once), none while the window runs (the e-mail waits for the digest).
# The row stays locked to the end of the transaction, so that concurrent messages of a
# conversation take turns.
_OPEN_WINDOW_SQL = """
    INSERT INTO notification_email_windows (recipient_id, batch, opened_at)
    VALUES (%(recipient)s, %(batch)s, %(now)s)
    ON CONFLICT (recipient_id, batch) DO UPDATE SET opened_at = EXCLUDED.opened_at
        WHERE notification_email_windows.opened_at <= EXCLUDED.opened_at - %(window)s
    RETURNING opened_at
"""


def notify(
    *,
    recipient_id: int,
    kind: str,
    event_key: str,
    data: dict[str, Any],
    email_batch: str | None = None,
) -> int | None:
    """Record that `recipient_id` is to be told of `event_key` and queue its e-mail, in the
    caller's transaction. The new notification's id, or None when this recipient was already
    notified of this event (nothing is queued then).

    `data` is stored and shown to the recipient: plain values, never a token or a password
    (a kind's email_context makes those when the e-mail is built). `kind` must be registered.
    No e-mail is queued when the recipient turned this kind's e-mails off (a security kind is
    e-mailed anyway); the row is recorded all the same (the inbox).

    `email_batch` (kinds with a batch_window only) names the batch, e.g. a conversation: the
    first notification of a batch is e-mailed at once; those that follow within the window
    wait for one digest e-mail at its end (send_email_batch, one pending per batch)."""
    notification_kind = kinds.get(kind)
    if email_batch is not None and notification_kind.batch_window is None:
        raise ValueError(f"Notification kind {kind!r} has no batch_window: no email_batch.")
    # Notifications are written by the system on a user's behalf (a guest's booking notifies
    # the host): row-level security lets only system actors insert them.
    with as_system("notify"), connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [recipient_id, kind, event_key, json.dumps(data)])
        row = cursor.fetchone()
        if row is None:
            return None
        notification_id = row[0]
        cursor.execute("SELECT preferences::text FROM users WHERE id = %s", [recipient_id])
        preferences = cursor.fetchone()
        if not email_wanted(preferences and json.loads(preferences[0]), notification_kind):
            return notification_id
        if email_batch is None:
            send_notification.defer(notification_id=notification_id)
            return notification_id
        window = notification_kind.batch_window
        cursor.execute(
            _OPEN_WINDOW_SQL,
            {"recipient": recipient_id, "batch": email_batch, "now": clock.now(), "window": window},
        )
        if cursor.fetchone() is not None:
            send_notification.defer(notification_id=notification_id)
            return notification_id
        cursor.execute(
            "SELECT opened_at FROM notification_email_windows "
            "WHERE recipient_id = %s AND batch = %s",
            [recipient_id, email_batch],
        )
        (opened_at,) = cursor.fetchone()
        cursor.execute(
            "UPDATE notifications SET email_batch = %s WHERE id = %s",
            [email_batch, notification_id],
        )
        send_email_batch.defer_once(
            queueing_lock=batch_lock(recipient_id, email_batch),
            schedule_at=opened_at + window,
            recipient_id=recipient_id,
            batch=email_batch,
            kind=kind,
        )
        return notification_id


def _own_inbox(actor):
    require_signed_in(actor)
    return Notification.objects.filter(recipient_id=actor.pk, kind__in=kinds.in_app_names())


@transaction.atomic
def notification_mark_read(*, notification_id: int, actor) -> None:
    """The recipient marks one of their notifications read (again: no change, the first
    read_at stays). Another user's id, or one the inbox does not list, is not found (a 404)."""
    inbox = _own_inbox(actor).filter(pk=notification_id)
    if not inbox.filter(read_at__isnull=True).update(read_at=Now()) and not inbox.exists():
        raise NotFound()


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    """The recipient marks every unread notification of their inbox read; how many."""
    return _own_inbox(actor).filter(read_at__isnull=True).update(read_at=Now())


def notifications_forget_person(*, recipient_id: int, strings: list[str], placeholder: str) -> int:
    """An account's erasure (apps.accounts.services.user_erase): its own notifications go, and
    every string value equal (case aside) to one of `strings` (its name, its e-mail address),
    at any depth of any other notification's data, becomes `placeholder` — whatever the kind,
    so kinds added later are covered. Returns how many notifications of others changed. In a
    system context (the notifications_system policy)."""
    Notification.objects.filter(recipient_id=recipient_id).delete()
    return jsonb_forget(
        table="notifications", column="data", strings=strings, placeholder=placeholder
    )
