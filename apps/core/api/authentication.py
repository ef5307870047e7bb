"""DRF authentication that tells PostgreSQL who is acting.

Django's middleware runs before DRF authenticates a token, so the request's database context
holds an anonymous user until here. Once a token is accepted, the context is set again for
the rest of the request's transaction.
"""

from rest_framework import authentication

from apps.core import context
from apps.core.middleware import request_context


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # no token offered: nothing to look up (anonymous, session)
        with context.db_context(context.DbContext.system("auth")):
            result = super().authenticate(request)
        if result is not None:
            user, _token = result
            context.apply(request_context(request._request, user))
        return result
