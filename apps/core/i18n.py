"""Languages (settings.LANGUAGES): which one a request speaks, and names stored per language.

A request speaks the signed-in user's `preferences.language`, else the best match of its
Accept-Language, else LANGUAGE_CODE. Session users are known to the middleware
(apps.core.middleware.LanguageMiddleware); API token users only once DRF authenticates them,
inside the view (apps.core.api.authentication.KeyAuthentication activates their language).
"""

from django.conf import settings
from django.utils import translation


def language_codes() -> list[str]:
    return [code for code, _ in settings.LANGUAGES]


def current_language() -> str:
    """The active language as one of LANGUAGES' codes (LANGUAGE_CODE outside a request)."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in language_codes() else settings.LANGUAGE_CODE


def preferred_language(user) -> str | None:
    """The user's own choice (preferences.language), when signed in and one of LANGUAGES."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    preferences = getattr(user, "preferences", None)
    language = preferences.get("language") if isinstance(preferences, dict) else None
    return language if language in language_codes() else None


def activate_request_language(request, user=None) -> str:
    """Activates the language this request speaks (see the module's docstring)."""
    preferred = preferred_language(user)
    translation.activate(preferred or translation.get_language_from_request(request))
    request.LANGUAGE_CODE = translation.get_language()
    # The response then depends on who asks, not only on Accept-Language (LanguageMiddleware
    # adds Vary: Cookie, Authorization).
    request.language_from_user = preferred is not None
    return request.LANGUAGE_CODE


def localized(field: str, language: str | None = None) -> str:
    """The column holding `field` in the language (default: the active one): name → name_fr."""
    return f"{field}_{language or current_language()}"


class TranslatedNameMixin:
    """Reference data named in every language (name_fr, name_en): `name` is the active one's."""

    @property
    def name(self) -> str:
        return getattr(self, localized("name"))
