"""E-mail verification links: a stateless token, like Django's password-reset tokens, with a
key of its own.

The token is an HMAC (SECRET_KEY, this generator's key_salt) of the user's id, e-mail address,
verification time and the token's own timestamp: it stops working once used (the verification
time changes), when the address changes, and after EMAIL_VERIFICATION_TIMEOUT. Nothing is
stored: the e-mail's link is made when the send job builds the e-mail
(apps/accounts/notifications.py), never kept in a notification or a job's arguments."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from apps.accounts.models import User


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "apps.accounts.email_verification.EmailVerificationTokenGenerator"

    def check_token(self, user, token) -> bool:
        """Django's check, with EMAIL_VERIFICATION_TIMEOUT for PASSWORD_RESET_TIMEOUT."""
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            timestamp = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        age = self._num_seconds(self._now()) - timestamp
        return age <= settings.EMAIL_VERIFICATION_TIMEOUT.total_seconds()

    def _make_hash_value(self, user, timestamp) -> str:
        verified = user.email_verified_at
        verified = "" if verified is None else verified.replace(microsecond=0, tzinfo=None)
        return f"{user.pk}|{user.email}|{verified}|{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()


def uid_of(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def user_id_of(uid: str) -> int | None:
    """The user id a uid encodes, or None for anything else."""
    try:
        text = urlsafe_base64_decode(uid).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**63:
        return None
    return int(text)


def verification_link(user: User) -> dict[str, str]:
    """A fresh uid, token and the front end's URL (EMAIL_VERIFY_URL) for `user`."""
    uid, token = uid_of(user), email_verification_token.make_token(user)
    url = settings.EMAIL_VERIFY_URL.format(uid=uid, token=token)
    return {"uid": uid, "token": token, "url": url}
