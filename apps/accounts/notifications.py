"""The notification kinds accounts sends (apps.notifications.kinds), registered in ready().

The security kinds reach the user whatever their preferences say: they tell of a change to the
account itself, which its holder must hear of (and act on, when it was not them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils.dateparse import parse_datetime
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from apps.accounts.tokens import email_change_token
from apps.notifications.kinds import NotificationKind, register

if TYPE_CHECKING:
    from apps.notifications.models import Notification


def verification_email_context(notification: Notification) -> dict[str, Any]:
    """A fresh link for the e-mail being built (in the send job): the token is never stored,
    and a retried job still sends a valid one."""
    from apps.accounts.email_verification import verification_link

    link = verification_link(notification.recipient)
    return {"verification_url": link["url"]}


# Security kinds: sent whatever the recipient's preferences say. The link is a secret, not
# news: e-mail only.
EMAIL_VERIFICATION = register(
    NotificationKind(
        "email_verification",
        label=_("E-mail address verification"),
        security=True,
        in_app=False,
        email_context=verification_email_context,
    )
).name
SIGN_UP_ATTEMPT = register(
    NotificationKind(
        "sign_up_attempt", label=_("Sign-ups attempted with your address"), security=True
    )
).name


def password_reset_uid(user) -> str:
    """The `uid` of a reset link: the user's id, base64url (Django's convention)."""
    return urlsafe_base64_encode(force_bytes(user.pk))


def password_reset_link(notification: Notification) -> dict[str, Any]:
    """The reset link, made when the e-mail is built (in the send job): a fresh token from
    Django's generator, which stays valid PASSWORD_RESET_TIMEOUT seconds and dies once the
    password (or the last login) changes. Neither the token nor the link is stored anywhere."""
    user = notification.recipient
    url = settings.PASSWORD_RESET_URL.format(
        uid=password_reset_uid(user), token=default_token_generator.make_token(user)
    )
    return {"reset_url": url, "valid_minutes": max(settings.PASSWORD_RESET_TIMEOUT // 60, 1)}


def event_time(notification: Notification) -> dict[str, Any]:
    """`at`, the event's time stored as ISO 8601 in `data`, as a datetime the templates write in
    the recipient's language (with the zone: "6 Dec 2026, 09:15 CET")."""
    return {"at": parse_datetime(notification.data.get("at") or "")}


# A reset link: a secret, e-mailed only (never in the inbox), whatever the preferences.
PASSWORD_RESET = register(
    NotificationKind(
        "password_reset",
        label=_("Password reset links"),
        security=True,
        in_app=False,
        email_context=password_reset_link,
    )
)
# The password was changed: by its holder (reset or change) or by staff.
PASSWORD_CHANGED = register(
    NotificationKind(
        "password_changed", label=_("Password changes"), security=True, email_context=event_time
    )
)
# A login issued a new API token: the device's name, when, and from which address. E-mail
# only: it is for the holder's mailbox, while whoever signed in (maybe not them) reads the
# inbox — and each login would fill it.
NEW_SIGN_IN = register(
    NotificationKind(
        "new_sign_in",
        label=_("New sign-ins"),
        security=True,
        in_app=False,
        email_context=event_time,
    )
)


def email_change_link(notification: Notification) -> dict[str, Any]:
    """The confirmation link of an e-mail change, made when the e-mail is built: a signed token
    for this user, the new address and the one it replaces (apps/accounts/tokens.py)."""
    user = notification.recipient
    token = email_change_token(
        user_id=user.pk, current_email=user.email, new_email=notification.data["new_email"]
    )
    return {
        "confirm_url": settings.EMAIL_CHANGE_URL.format(token=token),
        "valid_hours": max(settings.EMAIL_CHANGE_TIMEOUT // 3600, 1),
    }


def to_new_email(notification: Notification) -> str:
    return notification.data["new_email"]


def to_old_email(notification: Notification) -> str:
    return notification.data["old_email"]


# The link that proves the new address is the user's: to that address, e-mailed only.
EMAIL_CHANGE_CONFIRM = register(
    NotificationKind(
        "email_change_confirm",
        label=_("E-mail change confirmations"),
        security=True,
        in_app=False,
        email_context=email_change_link,
        email_to=to_new_email,
    )
)
# The address was replaced: the old address is told (whoever holds the account now cannot
# silence it), with the time.
EMAIL_CHANGED = register(
    NotificationKind(
        "email_changed",
        label=_("E-mail address changes"),
        security=True,
        email_context=event_time,
        email_to=to_old_email,
    )
)
