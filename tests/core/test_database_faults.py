"""A sick database gets 503, and nothing hangs — shown on a real gunicorn (gthread, our config
and worker class) serving the test database, while clients write through the API.

The outage test puts a TCP proxy between gunicorn and PostgreSQL and makes it refuse (listener
closed, connections reset) and blackhole (connections accepted, nothing forwarded: what a
partition looks like when TCP still acknowledges) while writers send messages."""

import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager

import pytest
from django.db import connection

from apps.core import context
from apps.messaging.models import Message
from tests.core.servers import BLACKHOLE, PASS, REFUSE, FaultyProxy, database_url, gunicorn
from tests.db import app_session, login_session
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.factories.listings import ListingFactory

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_CODES = {"database_unavailable", "database_timeout"}
# Short limits so that the test sees every fault run its course in seconds.
FAULT_LIMITS = {
    "DB_STATEMENT_TIMEOUT_MS": "1500",  # + 2 s grace: no answer in 3.5 s → connection lost
    "DB_CONNECT_TIMEOUT": "2",
    "DB_PROBE_TIMEOUT_MS": "2000",
    "DB_RETRY_AFTER_SECONDS": "3",
}


def as_system():
    """Transactional tests arrange (and read back) committed data as a system actor."""
    return context.db_context(context.DbContext.system("tests"))


def token_for(server, user) -> str:
    answer = server.call(
        "POST", "/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert answer.status == 201, answer.text
    return answer.body["key"]


def wait_for(condition, seconds: float, what: str) -> float:
    """Seconds until `condition()` held; fails after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {seconds} s")


def assert_database_error(answer) -> None:
    """503, our error shape naming a database code, and a Retry-After."""
    assert answer.status == 503, answer.text
    assert answer.body["error"]["code"] in DATABASE_CODES, answer.body
    assert set(answer.body["error"]) == {"code", "message", "fields"}
    assert int(answer.headers["retry-after"]) > 0


class Writers:
    """Threads sending messages through the API, each with its own Idempotency-Key."""

    def __init__(self, server, token: str, recipient_id: int, threads: int = 3):
        self.server, self.token, self.recipient_id = server, token, recipient_id
        self.results: list[tuple[str, object]] = []  # (key, answer), in completion order
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def send(self, key: str):
        return self.server.call(
            "POST",
            "/api/v1/messages/",
            {"recipient": self.recipient_id, "subject": "Fault test", "content": key},
            headers={"Authorization": f"Token {self.token}", "Idempotency-Key": key},
        )

    def _run(self) -> None:
        while not self._stop.is_set():
            key = uuid.uuid4().hex
            try:
                answer = self.send(key)
            except BaseException as exc:  # a hung or dropped request fails the test
                with self._lock:
                    self.errors.append(exc)
                return
            with self._lock:
                self.results.append((key, answer))
            if answer.status != 201:
                time.sleep(0.1)

    def start(self) -> "Writers":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
            assert not thread.is_alive(), "a writer hung"

    def mark(self) -> int:
        with self._lock:
            return len(self.results)

    def since(self, mark: int) -> list:
        with self._lock:
            return [answer for _, answer in self.results[mark:]]

    def created_since(self, mark: int) -> int:
        return sum(answer.status == 201 for answer in self.since(mark))


def test_an_outage_answers_503_health_stays_fast_and_no_acknowledged_write_is_lost():
    with as_system():
        guest, recipient = UserFactory(), UserFactory()
    db = connection.settings_dict
    proxy = FaultyProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    measured = {}
    try:
        env = {**FAULT_LIMITS, "DATABASE_URL": database_url(proxy.port)}
        with gunicorn(workers=2, threads=4, env=env) as server:
            writers = Writers(server, token_for(server, guest), recipient.pk).start()
            try:
                wait_for(lambda: writers.created_since(0) >= 20, 60, "writes before the outage")

                # Refused: the listener is gone and every connection reset.
                mark = writers.mark()
                proxy.set_mode(REFUSE)
                time.sleep(3)
                health = server.call("GET", "/health/")
                health_db = server.call("GET", "/health/db/")
                proxy.set_mode(PASS)
                refused = writers.since(mark)
                after = writers.mark()
                measured["refused: /health/db/ s"] = round(health_db.seconds, 3)
                measured["recovery after refuse s"] = round(
                    wait_for(lambda: writers.created_since(after) >= 1, 60, "recovery"), 2
                )
                assert health.status == 200
                assert health_db.status == 503
                assert any(answer.status == 503 for answer in refused), refused

                # Blackholed: connections accepted, not a byte forwarded.
                mark = writers.mark()
                proxy.set_mode(BLACKHOLE)
                started = time.monotonic()
                health_times = []
                while time.monotonic() - started < 5:
                    health = server.call("GET", "/health/")
                    assert health.status == 200
                    health_times.append(health.seconds)
                    time.sleep(0.1)
                health_db = server.call("GET", "/health/db/")
                time.sleep(max(0.0, 8 - (time.monotonic() - started)))
                proxy.set_mode(PASS)
                blackholed = writers.since(mark)
                after = writers.mark()
                measured["recovery after blackhole s"] = round(
                    wait_for(lambda: writers.created_since(after) >= 1, 60, "recovery"), 2
                )
                wait_for(lambda: writers.created_since(after) >= 20, 60, "writes after")
                measured["blackhole: /health/ max ms"] = round(max(health_times) * 1000, 1)
                measured["blackhole: /health/ median ms"] = round(
                    sorted(health_times)[len(health_times) // 2] * 1000, 1
                )
                measured["blackhole: /health/db/ s"] = round(health_db.seconds, 3)
                measured["blackhole: slowest 503 s"] = round(
                    max((a.seconds for a in blackholed if a.status == 503), default=0), 2
                )
                # Generous margins (a loaded machine); the figures go to the report.
                assert max(health_times) < 1.0, health_times
                assert health_db.status == 503
                assert health_db.seconds < 5
                assert any(answer.status == 503 for answer in blackholed), blackholed
            finally:
                writers.stop()
            assert writers.errors == []

            # Every answer was a 201 or our 503; nothing else, no 500.
            statuses = Counter(answer.status for _, answer in writers.results)
            measured["answers"] = dict(statuses)
            assert set(statuses) <= {201, 503}, statuses
            for _, answer in writers.results:
                if answer.status == 503:
                    assert_database_error(answer)
            acknowledged = {
                key: answer.body["id"] for key, answer in writers.results if answer.status == 201
            }
            unacknowledged = [key for key, answer in writers.results if answer.status != 201]

            # Retried with their keys, the failed writes each take effect exactly once: a
            # write that committed but lost its answer is replayed, never doubled.
            replayed = 0
            for key in unacknowledged:
                answer = writers.send(key)
                assert answer.status == 201, answer.text
                replayed += answer.headers.get("idempotent-replayed") == "true"
            measured["503 writes found committed on retry"] = replayed
    finally:
        proxy.close()
        print(f"\ndatabase faults: {measured}")  # the figures for the report

    with as_system():
        stored = dict(
            Message.objects.filter(sender=guest).values_list("content", "id").order_by("id")
        )
        count = Message.objects.filter(sender=guest).count()
    # 0 acknowledged writes lost ...
    assert {key: stored.get(key) for key in acknowledged} == acknowledged
    # ... and none doubled by the retries.
    assert count == len(acknowledged) + len(unacknowledged) == len(stored)


@pytest.fixture
def lone_server():
    """One worker, one thread, straight to PostgreSQL: its next request must reuse or replace
    the very connection a fault hit."""
    env = {"DATABASE_URL": database_url(), "DB_STATEMENT_TIMEOUT_MS": "3000"}
    with gunicorn(workers=1, threads=1, env=env) as server:
        yield server


@pytest.fixture
def owned_listing(lone_server):
    """A listing titled "Before", and its owner's token."""
    with as_system():
        owner = UserFactory(owner=True)
        listing = ListingFactory(owner=owner, title="Before")
    return listing, token_for(lone_server, owner)


@contextmanager
def row_locked(listing):
    """Another session holds the listing's row lock: a PATCH of it waits."""
    locker = app_session()
    try:
        locker.execute("SELECT 1 FROM listings WHERE id = %s FOR UPDATE", [listing.pk])
        yield locker
    finally:
        locker.rollback()
        locker.close()


def rename(server, token, listing, title):
    return server.call(
        "PATCH",
        f"/api/v1/listings/{listing.pk}/",
        {"title": title},
        headers={"Authorization": f"Token {token}"},
    )


def stored_title(listing) -> str:
    with as_system():
        listing.refresh_from_db()
    return listing.title


def test_a_statement_cut_by_statement_timeout_answers_503_and_the_connection_serves_on(
    lone_server, owned_listing
):
    listing, token = owned_listing
    with row_locked(listing):
        # The PATCH waits for the lock until statement_timeout (3 s here) cuts it.
        answer = rename(lone_server, token, listing, "Never saved")

    assert_database_error(answer)
    assert answer.body["error"]["code"] == "database_timeout"
    assert 2.5 < answer.seconds < 30, answer.seconds  # cut by the timeout, not hung
    assert stored_title(listing) == "Before"
    assert rename(lone_server, token, listing, "After").status == 200
    assert stored_title(listing) == "After"


def test_an_admin_shutdown_of_the_apps_backend_mid_request_answers_503_then_it_reconnects(
    lone_server, owned_listing
):
    listing, token = owned_listing
    answers = []
    request = threading.Thread(
        target=lambda: answers.append(rename(lone_server, token, listing, "Never saved"))
    )
    admin = login_session()
    try:
        with row_locked(listing) as locker:
            request.start()
            blocked = []

            def app_backend_waits():
                blocked[:] = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE %s = ANY (pg_blocking_pids(pid))",
                    [locker.info.backend_pid],
                ).fetchall()
                return bool(blocked)

            wait_for(app_backend_waits, 10, "the PATCH waiting for the lock")
            [(pid,)] = blocked
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])  # 57P01 for the app
            request.join(timeout=30)
    finally:
        admin.close()

    [answer] = answers
    assert_database_error(answer)
    assert answer.body["error"]["code"] == "database_unavailable"
    assert stored_title(listing) == "Before"
    # The lone thread dropped its dead connection: the next request reconnects and works.
    assert rename(lone_server, token, listing, "After").status == 200
    assert stored_title(listing) == "After"
