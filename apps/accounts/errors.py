"""Accounts' domain errors (apps.core.errors holds the generic ones)."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError, NotFound


class InvalidCredentials(DomainError):
    status_code = 400
    code = "invalid_credentials"
    default_message = _("Unable to log in with these credentials.")


class TokenNotFound(NotFound):
    code = "token_not_found"
    default_message = _("No such token among yours.")
