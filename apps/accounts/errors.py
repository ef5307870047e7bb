"""Accounts' domain errors (apps.core.errors holds the generic ones)."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError, NotFound, PermissionDenied


class InvalidCredentials(DomainError):
    status_code = 400
    code = "invalid_credentials"
    default_message = _("Unable to log in with these credentials.")


class TokenNotFound(NotFound):
    code = "token_not_found"
    default_message = _("No such token among yours.")


class EmailNotVerified(PermissionDenied):
    """An action that needs a proven address (REQUIRE_VERIFIED_EMAIL): publishing a listing,
    requesting a booking."""

    code = "email_not_verified"
    default_message = _(
        "Verify your e-mail address first: follow the link we sent you, or ask for a new one "
        "with POST /api/v1/auth/email/verify/resend/."
    )


class InvalidVerificationToken(DomainError):
    """A verification link that is malformed, expired, already used, or for another address."""

    status_code = 400
    code = "invalid_token"
    default_message = _("This verification link is invalid or has expired: ask for a new one.")

    def __init__(self, message: str | None = None, *, field: str = "token"):
        super().__init__(message, fields={field: [message or self.default_message]})


class InvalidResetLink(DomainError):
    """A password-reset link that is not (or no longer) valid: `fields` names `uid` or `token`."""

    status_code = 400
    code = "invalid_reset_link"
    default_message = _("This password reset link is invalid, used or expired: ask for a new one.")


class InvalidEmailChangeLink(DomainError):
    """An e-mail change's confirmation that is not (or no longer) valid: names `token`."""

    status_code = 400
    code = "invalid_email_change_link"
    default_message = _(
        "This confirmation link is invalid, used or expired: ask for the change again."
    )


class EmailUnavailable(DomainError):
    """The new address belongs to another account by now (told as little as possible)."""

    status_code = 400
    code = "email_unavailable"
    default_message = _("This address cannot be used: ask for the change with another one.")
