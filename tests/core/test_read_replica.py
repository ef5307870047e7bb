"""Public reads from a streaming standby (apps/core/db/replica.py), shown with real servers: a
private PostgreSQL primary and its standby (initdb, `pg_basebackup -R`, two ports), and two
gunicorn app servers (two machines, as far as the app knows) with DATABASE_URL on the primary,
DATABASE_REPLICA_URL on the standby and the debug header on: every response says which server
answered it, as that server's pg_is_in_recovery() told.

One pair of clusters and one pair of app servers for the module; each test leaves the standby
streaming and caught up. Nothing here touches the suite's own database but to copy its schema.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from tests.gunicorn import gunicorn
from tests.gunicorn import test_database_url as suite_database_url
from tests.replication import ROOT, ReplicatedPair

pytestmark = pytest.mark.slow

API = "/api/v1"
STICKY_SECONDS = 3
MAX_LAG_SECONDS = 1
RETRY_SECONDS = 0.5
CHECK_SECONDS = 0.2
CSRF = secrets.token_hex(16)
# The servers' and the data script's: a session is signed in with it.
SECRET_KEY = secrets.token_urlsafe(50)  # 32 characters: a CSRF secret Django accepts as it is


@pytest.fixture(scope="module")
def pair(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        schema_from = suite_database_url()
    clusters = ReplicatedPair()
    try:
        clusters.start(schema_from=schema_from, app_role=settings.DATABASE_APP_ROLE)
        yield clusters
    finally:
        clusters.stop()


@pytest.fixture(scope="module")
def data(pair):
    made = subprocess.run(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", "shell", "-c"]
        + ["from tests.core.replica_data import main; main()"],
        cwd=ROOT,
        env={
            **pair.app_env(),
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "SECRET_KEY": SECRET_KEY,
        },
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    pair.wait_streaming()
    return json.loads(made.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def servers(pair, data, tmp_path_factory):
    """Two app servers, one worker each; their logs in the module's temporary directory."""
    logs = tmp_path_factory.mktemp("replica-servers")
    environment = {
        "DATABASE_URL": pair.primary.url(),
        "DATABASE_REPLICA_URL": pair.standby.url(),
        "SECRET_KEY": SECRET_KEY,
        "REPLICA_DEBUG_HEADER": "1",
        # The tests poll: no throttle in the way.
        "THROTTLE_ANON": "100000/min",
        "THROTTLE_USER": "100000/min",
        "REPLICA_STICKY_SECONDS": str(STICKY_SECONDS),
        "REPLICA_MAX_LAG_SECONDS": str(MAX_LAG_SECONDS),
        "REPLICA_RETRY_SECONDS": str(RETRY_SECONDS),
        "REPLICA_CHECK_SECONDS": str(CHECK_SECONDS),
    }
    # Both servers share one cache prefix, as the app servers of one deployment share Redis.
    prefix = f"{settings.CACHES['default']['KEY_PREFIX']}:replica-{secrets.token_hex(4)}"
    environment["CACHE_KEY_PREFIX"] = prefix
    with (
        gunicorn(workers=1, log=logs / "a.log", **environment) as first,
        gunicorn(workers=1, log=logs / "b.log", **environment) as second,
    ):
        yield first, second


def call(base: str, path: str, *, method="GET", body=None, session=None, token=None):
    """(status, served by, decoded JSON body or None) of one request."""
    headers = {"Content-Type": "application/json"}
    if session:
        headers["Cookie"] = f"sessionid={session}; csrftoken={CSRF}"
        headers["X-CSRFToken"] = CSRF
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status, served, text = response.status, response.headers["X-Db-Server"], response.read()
    except urllib.error.HTTPError as error:
        status, served, text = error.code, error.headers["X-Db-Server"], error.read()
    return status, served, (json.loads(text) if text and method != "HEAD" else None)


def wait_for(condition, seconds: float = 15, step: float = 0.1):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(step)


def served_by_replica(base: str, path: str) -> bool:
    status, served, _ = call(base, path)
    assert status == 200
    return served == "replica"


def test_public_reads_go_to_the_standby_and_the_rest_to_the_primary(servers, data):
    base, _ = servers
    listing = data["published"]
    public = [
        f"{API}/listings/",
        f"{API}/listings/?q=harbour",
        f"{API}/listings/{listing}/",
        f"{API}/listings/{listing}/availability/?from=2030-01-01&to=2030-01-10",
        f"{API}/categories/",
        f"{API}/amenities/",
        f"{API}/tags/",
    ]
    wait_for(lambda: served_by_replica(base, public[0]))
    for path in public:
        status, served, body = call(base, path)
        assert (status, served) == (200, "replica"), path
    assert call(base, f"{API}/listings/{listing}/", method="HEAD")[:2] == (200, "replica")
    assert listing in [card["id"] for card in call(base, public[1])[2]["results"]]
    # Not a public read: the primary. An API key is checked (and its use recorded) there.
    assert call(base, f"{API}/")[:2] == (200, "primary")
    assert call(base, f"{API}/listings/{listing}/", token=data["token"])[:2] == (200, "primary")
    assert call(base, f"{API}/bookings/", token=data["token"])[:2] == (200, "primary")
    assert call(base, f"{API}/listings/", method="POST", body={})[:2] == (401, "primary")


def test_the_request_context_is_set_on_the_standby(servers, data):
    """Row-level security reads the context on the server that answers: the owner's draft is
    theirs to see on the standby, and nobody else's."""
    base, _ = servers
    draft = f"{API}/listings/{data['draft']}/"
    wait_for(lambda: served_by_replica(base, f"{API}/tags/"))
    status, served, body = call(base, draft, session=data["session"])
    assert (status, served) == (200, "replica"), body
    assert body["id"] == data["draft"]
    assert call(base, draft)[:2] == (404, "replica")


def test_a_user_reads_their_own_write_on_every_app_server(servers, data):
    """After a write, the writer's reads go to the primary for REPLICA_STICKY_SECONDS, on
    every app server (the mark is in the shared Redis); anonymous reads stay on the standby."""
    first, second = servers
    path = f"{API}/listings/{data['published']}/"
    title = f"Harbour flat, repainted {secrets.token_hex(3)}"
    wait_for(lambda: served_by_replica(second, path))
    assert call(second, path, session=data["session"])[1] == "replica"

    status, _, _ = call(first, path, method="PATCH", body={"title": title}, session=data["session"])
    assert status == 200
    written = time.monotonic()

    status, served, body = call(second, path, session=data["session"])
    assert (status, served, body["title"]) == (200, "primary", title)
    assert call(second, f"{API}/tags/")[1] == "replica"
    # Once the mark expires, the standby (which has the write by now) serves them again.
    status, served, body = wait_for(
        lambda: (answer := call(second, path, session=data["session"]))[1] == "replica" and answer
    )
    assert time.monotonic() - written >= STICKY_SECONDS - 0.5
    assert body["title"] == title


def test_a_stopped_standby_sends_reads_to_the_primary(servers, data, pair):
    base, other = servers
    path = f"{API}/listings/{data['published']}/"
    wait_for(lambda: served_by_replica(base, path))
    pair.standby.stop()
    try:
        for server in (base, other, base, other):
            # The connection each server holds to the standby is gone: the request is served
            # again by the primary, never answered 500 or 503.
            status, served, body = call(server, path)
            assert (status, served, body["id"]) == (200, "primary", data["published"])
        assert call(base, f"{API}/listings/?q=harbour")[:2] == (200, "primary")
    finally:
        pair.standby.start()
    pair.wait_streaming()
    wait_for(lambda: served_by_replica(base, path))
    wait_for(lambda: served_by_replica(other, path))


def test_a_lagging_standby_sends_reads_to_the_primary(servers, data, pair):
    base, _ = servers
    path = f"{API}/listings/{data['published']}/"
    wait_for(lambda: served_by_replica(base, path))
    title = f"Harbour flat, lagging {secrets.token_hex(3)}"
    with pair.standby.connect() as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        try:
            status, _, _ = call(
                base, path, method="PATCH", body={"title": title}, session=data["session"]
            )
            assert status == 200
            # Past the lag allowed, and past the writer's stickiness: anonymous reads too are
            # served by the primary, which has the write the standby has not applied.
            time.sleep(max(MAX_LAG_SECONDS, STICKY_SECONDS) + CHECK_SECONDS)
            status, served, body = call(base, path)
            assert (status, served, body["title"]) == (200, "primary", title)
            status, served, body = call(base, f"{API}/listings/?q=harbour")
            assert (status, served) == (200, "primary")
            (on_standby,) = standby.execute(
                "SELECT title FROM listings WHERE id = %s", [data["published"]]
            ).fetchone()
            assert on_standby != title
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")
    pair.wait_streaming()
    status, served, body = wait_for(lambda: (answer := call(base, path))[1] == "replica" and answer)
    assert body["title"] == title
