"""API keys (apps.accounts.models.ApiToken) as DRF authentication, and their OpenAPI scheme."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions

from apps.accounts import selectors, services
from apps.core.api.authentication import KeyAuthentication


class ApiTokenAuthentication(KeyAuthentication):
    def authenticate_key(self, key: str, request):
        token = selectors.token_for_key(key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired: log in again."))
        services.token_touch(token=token, now=now)
        return token.user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The key from `POST /api/v1/auth/token/` (`hvr_...`), as "
            "`Authorization: Bearer <key>`; `Authorization: Token <key>` is accepted too.",
        }
