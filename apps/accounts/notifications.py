"""The notification kinds accounts sends (apps.notifications.kinds), registered in ready()."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

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
