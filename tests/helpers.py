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
