"""The kinds of notification Havre sends, each declared once by the app whose event it reports.

    # apps/bookings/notifications.py, imported by BookingsConfig.ready()
    BOOKING_REQUESTED = register(NotificationKind("booking_requested", label=_("Booking requests")))

A kind names its templates (templates/emails/<name>.subject.txt, .txt, .html) and says how it
may be delivered:

* `security`: e-mailed whatever the recipient's preferences say (password changed, a new
  sign-in): a user cannot turn off being told their account changed.
* `in_app`: listed by the recipient's notification inbox (GET /api/v1/notifications/). A
  password-reset link is e-mail only: it is a secret, not news.
* `batch_window`: e-mails of this kind are batched (a new message): the first of a batch
  (notify(..., email_batch="conversation:…")) is e-mailed at once, the others arriving within
  the window wait for its end and leave together in one digest e-mail
  (templates/emails/<name>_digest.*), so a recipient gets at most one e-mail per batch per
  window. Every notification still has its row, in the inbox at once.
* `email_context`: values computed when the e-mail is built, in the send job, never stored: a
  fresh verification or reset token. The notification's `data` stays free of secrets (it is
  shown in the inbox and the admin), and a retried job builds a link that is still valid.
* `email_to`: the address the e-mail goes to, when it is not the recipient's current one: a
  new address to confirm, or the old one told that it was replaced.

notify() refuses a kind nobody registered, so a typo fails in the first test that sends it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from apps.notifications.models import Notification


@dataclass(frozen=True)
class NotificationKind:
    name: str
    # What the recipient's preferences call this kind ("Booking requests"), translatable.
    label: str | Promise
    security: bool = False
    in_app: bool = True
    email_context: Callable[[Notification], dict[str, Any]] | None = None
    email_to: Callable[[Notification], str] | None = None
    batch_window: dt.timedelta | None = None

    @property
    def can_turn_off_email(self) -> bool:
        """Whether preferences.notifications.<name>.email = false stops its e-mails."""
        return not self.security


_KINDS: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    """Declare a kind (at import, from an AppConfig.ready()); declaring a name twice with other
    settings is a programming error."""
    known = _KINDS.setdefault(kind.name, kind)
    if known != kind:
        raise ValueError(f"Notification kind {kind.name!r} is already registered differently.")
    return kind


def get(name: str) -> NotificationKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(
            f"Unknown notification kind {name!r}: register it (apps.notifications.kinds)."
        ) from None


def all_kinds() -> list[NotificationKind]:
    """Every registered kind, by name."""
    return sorted(_KINDS.values(), key=lambda kind: kind.name)


def is_registered(name: str) -> bool:
    return name in _KINDS


def in_app_names() -> list[str]:
    """The kinds the inbox lists."""
    return [kind.name for kind in all_kinds() if kind.in_app]
