"""The e-mail change's signed token (django.core.signing): which user, which new address, and a
fingerprint of the address it replaces — so that it works once (after the change the current
address no longer matches) and for EMAIL_CHANGE_TIMEOUT seconds. Made when the confirmation
e-mail is built, never stored. The new address is readable in it (signed, not encrypted): it
is sent to that very address; the old one is not."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

EMAIL_CHANGE_SALT = "havre.accounts.email_change"


@dataclass(frozen=True)
class EmailChange:
    user_id: int
    new_email: str
    old_fingerprint: str


def email_fingerprint(email: str) -> str:
    return salted_hmac(EMAIL_CHANGE_SALT, email.upper()).hexdigest()[:24]


def email_change_token(*, user_id: int, current_email: str, new_email: str) -> str:
    payload = {"u": user_id, "e": new_email, "o": email_fingerprint(current_email)}
    return signing.dumps(payload, salt=EMAIL_CHANGE_SALT, compress=True)


def email_change_read(token: str) -> EmailChange | None:
    """The change a token asks for, or None: forged, damaged or older than
    EMAIL_CHANGE_TIMEOUT."""
    try:
        payload = signing.loads(
            token, salt=EMAIL_CHANGE_SALT, max_age=settings.EMAIL_CHANGE_TIMEOUT
        )
        return EmailChange(
            user_id=int(payload["u"]),
            new_email=str(payload["e"]),
            old_fingerprint=str(payload["o"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
