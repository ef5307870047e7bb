"""Telling users what happened: one row per (event, recipient), one e-mail per row.

    notify(recipient_id=listing.owner_id, kind="booking_requested",
           event_key=f"booking:{booking.pk}:requested", data={...})

Call it from the service that makes the event happen, inside its transaction: the notification
and its send job commit with the event or not at all. This app sits below every domain app
(above accounts' User only through the AUTH_USER_MODEL foreign key), so accounts, bookings and
messaging can all call it; it imports none of them."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from apps.core.context import as_system
from apps.core.erasure import jsonb_forget
from apps.notifications import kinds
from apps.notifications.models import Notification
from apps.notifications.tasks import send_notification

_INSERT_SQL = """
    INSERT INTO notifications (recipient_id, kind, event_key, data)
    VALUES (%s, %s, %s, %s::jsonb)
    ON CONFLICT (event_key, recipient_id) DO NOTHING
    RETURNING id
"""


def notify(*, recipient_id: int, kind: str, event_key: str, data: dict[str, Any]) -> int | None:
    """Record that `recipient_id` is to be told of `event_key` and queue its e-mail, in the
    caller's transaction. The new notification's id, or None when this recipient was already
    notified of this event (nothing is queued then).

    `data` is stored and shown to the recipient: plain values, never a token or a password
    (a kind's email_context makes those when the e-mail is built). `kind` must be registered."""
    kinds.get(kind)
    # Notifications are written by the system on a user's behalf (a guest's booking notifies
    # the host): row-level security lets only system actors insert them.
    with as_system("notify"), connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [recipient_id, kind, event_key, json.dumps(data)])
        row = cursor.fetchone()
        if row is None:
            return None
        send_notification.defer(notification_id=row[0])
        return row[0]


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
