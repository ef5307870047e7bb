"""A user's e-mail choices per notification kind, in their preferences:

    {"language": "fr", "notifications": {"message_received": {"email": false}}}

A kind left out is e-mailed (the default). Security kinds (kind.security) are e-mailed whatever
the preferences say. The in-app notification is recorded either way: the preference is about
e-mail only. The API validates the shape and the kind names (validation_errors); PostgreSQL
checks the shape too (accounts' CHECK users_preferences_notifications_valid)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.notifications import kinds

# The settings a kind has in preferences.notifications.<kind>, each a boolean.
CHANNELS = ("email",)


def email_wanted(preferences: Any, kind: kinds.NotificationKind) -> bool:
    """Whether a user with these preferences gets this kind's e-mails."""
    if kind.security or not isinstance(preferences, dict):
        return True
    choices = preferences.get("notifications")
    choice = choices.get(kind.name) if isinstance(choices, dict) else None
    return not (isinstance(choice, dict) and choice.get("email") is False)


def validation_errors(value: Any) -> dict | list | None:
    """What is wrong with preferences.notifications, shaped like a serializer's errors (by kind
    and channel), or None when it is valid."""
    if not isinstance(value, dict):
        return [_('An object: {kind: {"email": true|false}}.')]
    errors: dict[str, Any] = {}
    for name, choice in value.items():
        if not kinds.is_registered(name):
            errors[name] = [
                _("Unknown notification kind (GET /api/v1/notifications/kinds/ lists them).")
            ]
        elif not isinstance(choice, dict):
            errors[name] = [_('An object: {"email": true|false}.')]
        else:
            fields = {}
            for channel, enabled in choice.items():
                if channel not in CHANNELS:
                    fields[channel] = [_("Unknown setting: use email.")]
                elif not isinstance(enabled, bool):
                    fields[channel] = [_("Must be true or false.")]
                elif enabled is False and not kinds.get(name).can_turn_off_email:
                    fields[channel] = [_("Security e-mails cannot be turned off.")]
            if fields:
                errors[name] = fields
    return errors or None
