"""DRF authentication that tells PostgreSQL who is acting.

Django's middleware runs before DRF authenticates a token, so the request's database context
holds an anonymous user until here. The key is looked up as the system actor `system:auth`
(the tables of keys show nothing to anyone else); once it is accepted, the context is set
again, for the user, for the rest of the request's transaction, and the user's language
(preferences.language) is activated for the rest of the request.
"""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from apps.core import context
from apps.core.i18n import activate_request_language
from apps.core.middleware import request_context


class KeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>` (what generated clients send) or `Token <key>` (DRF's
    historical keyword). Subclasses look the key up in `authenticate_key`."""

    keywords = ("Bearer", "Token")
    max_key_length = 200  # longer is no key of ours: refused before any query

    def authenticate_key(self, key: str, request):
        """(user, auth) for a valid key; raise AuthenticationFailed otherwise."""
        raise NotImplementedError

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        keywords = {keyword.lower().encode() for keyword in self.keywords}
        if not header or header[0].lower() not in keywords:
            return None  # no key offered: nothing to look up (anonymous, session)
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: one key expected.")
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token.")) from None
        if len(key) > self.max_key_length:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        with context.db_context(context.DbContext.system("auth")):
            user, auth = self.authenticate_key(key, request)
        context.apply(request_context(request._request, user))
        # The middleware chose the language before the key was known: the user's own now.
        activate_request_language(request._request, user)
        return user, auth

    def authenticate_header(self, request):
        # Makes a missing or refused key a 401 (with this challenge), not a 403.
        return f'{self.keywords[0]} realm="api"'
