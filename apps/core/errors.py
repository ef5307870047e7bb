"""Domain errors. Services raise these (or Django's ValidationError); the API's exception
handler turns every one of them into {"error": {"code", "message", "fields"}}.

This module keeps the generic ones; an app's own (each with its stable code) live in
apps/<app>/errors.py as subclasses of these."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 400
    code = "invalid"
    default_message = _("The request could not be processed.")

    def __init__(self, message: str | None = None, *, fields: dict | None = None):
        self.message = message or self.default_message
        self.fields = fields or {}
        super().__init__(self.message)


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"
    default_message = _("You may not do this.")


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class InvalidTransition(Conflict):
    """A state machine's step from a status that does not allow it (bookings, listings)."""

    code = "invalid_transition"
    default_message = _("This action is not allowed in the current status.")


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used with a different request.")


class InvalidCursor(DomainError):
    """A `cursor` query parameter that this server did not hand out (or no longer can read)."""

    status_code = 400
    code = "invalid_cursor"
    default_message = _("Invalid cursor.")

    def __init__(self, message: str | None = None):
        super().__init__(message, fields={"cursor": [message or self.default_message]})
