"""Small helpers shared by the API tests."""

from rest_framework.test import APIClient


def client_for(user=None) -> APIClient:
    """An API client logged in as `user` (session auth, so PostgreSQL sees the user), or
    anonymous. Never force_authenticate: it bypasses our authentication classes."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound by the kernel's choice, then
    released): connecting to it is refused at once, as a Redis that is down; or a port to hand
    to a server that cannot bind port 0 itself (gunicorn). Another process could take it in
    between: rare, and the server then fails to start, loudly."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_down(settings) -> None:
    """Point the cache (throttles, login limiter, cached look-ups) at a closed port for the
    rest of the test; pytest-django's `settings` puts it back afterwards."""
    default = settings.CACHES["default"]
    location = f"redis://127.0.0.1:{unused_port()}/0"
    settings.CACHES = {**settings.CACHES, "default": {**default, "LOCATION": location}}


def token_for(user, name: str = "tests") -> str:
    """A new API key of `user`, issued as a login would (apps.accounts.services.token_create)."""
    from apps.accounts.services import token_create

    return token_create(user=user, name=name)[1]


def token_client_for(user, keyword: str = "Bearer") -> APIClient:
    """An API client authenticated by a new API key of `user` (our token authentication)."""
    return APIClient(HTTP_AUTHORIZATION=f"{keyword} {token_for(user)}")
