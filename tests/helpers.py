"""Small helpers shared by the API tests."""

from rest_framework.test import APIClient


def client_for(user=None) -> APIClient:
    """An API client logged in as `user` (session auth, so PostgreSQL sees the user), or
    anonymous. Never force_authenticate: it bypasses our authentication classes."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client
