"""The host's answer and the request's expiry race safely: both lock the booking's row, so the
second waits for the first, then sees its status — exactly one wins. Each side runs in a thread
with its own connection (two app servers, a worker), as the application acts: the host in their
request context, the expiry as its job. No timing guesses: the second starts only once the
first holds the row, and the first commits only once PostgreSQL reports the second waiting."""

import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from apps.bookings import services
from apps.bookings.models import Booking, request_ttl
from apps.core.context import DbContext, db_context
from apps.core.errors import InvalidTransition
from apps.jobs.queue import job_context
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Side(threading.Thread):
    """Runs `call` in `context`'s transaction on the thread's own connection; once it returns,
    keeps the transaction (and its row lock) open until `release` is set."""

    def __init__(self, context: DbContext, call):
        super().__init__(daemon=True)
        self.context, self.call = context, call
        self.pid = None
        self.started, self.done, self.release = (
            threading.Event(),
            threading.Event(),
            threading.Event(),
        )
        self.outcome = None

    def run(self):
        try:
            with db_context(self.context):
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '10s'")  # a safety net only
                    cursor.execute("SELECT pg_backend_pid()")
                    self.pid = cursor.fetchone()[0]
                self.started.set()
                self.outcome = self.call()
                self.done.set()
                self.release.wait(15)
        except Exception as exc:  # the loser's refusal, or anything else for the assertions
            self.outcome = exc
            self.done.set()
        finally:
            connection.close()


def wait_until_waiting(waiting: Side, blocking: Side) -> None:
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT %s = ANY (pg_blocking_pids(%s))", [blocking.pid, waiting.pid])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.005)
    raise AssertionError(f"the second side never waited for the first: {waiting.outcome!r}")


def host_side(booking, answer: str) -> Side:
    host = booking.listing.owner
    service = {"confirm": services.booking_confirm, "decline": services.booking_decline}[answer]
    return Side(
        DbContext().with_user(host),
        lambda: service(booking=Booking.objects.get(pk=booking.pk), actor=host).status,
    )


def expiry_side(booking) -> Side:
    later = timezone.now() + request_ttl()
    return Side(
        job_context("expire_booking_request"),
        lambda: services.booking_expire(booking_id=booking.pk, now=later),
    )


def race(first: Side, second: Side) -> None:
    first.start()
    assert first.done.wait(15), "the first side never finished its work"
    second.start()
    assert second.started.wait(15)
    wait_until_waiting(second, first)
    first.release.set()
    first.join(15)
    second.release.set()
    second.join(15)


def status_of(booking) -> str:
    with db_context(DbContext.system("tests")):
        return Booking.objects.values_list("status", flat=True).get(pk=booking.pk)


@pytest.fixture
def booking():
    with db_context(DbContext.system("tests")):
        return BookingFactory(status="pending")


@pytest.mark.parametrize("answer", ["confirm", "decline"])
def test_the_host_answering_first_wins_and_the_expiry_does_nothing(booking, answer):
    host, expiry = host_side(booking, answer), expiry_side(booking)

    race(host, expiry)

    expected = {"confirm": "confirmed", "decline": "declined"}[answer]
    assert (host.outcome, expiry.outcome) == (expected, False)
    assert status_of(booking) == expected


@pytest.mark.parametrize("answer", ["confirm", "decline"])
def test_the_expiry_first_wins_and_the_host_is_refused(booking, answer):
    expiry, host = expiry_side(booking), host_side(booking, answer)

    race(expiry, host)

    assert expiry.outcome is True
    assert isinstance(host.outcome, InvalidTransition), host.outcome
    assert status_of(booking) == "expired"


def test_the_sweep_skips_a_request_its_host_is_answering(booking):
    host = host_side(booking, "confirm")
    host.start()
    assert host.done.wait(15)
    try:
        with db_context(DbContext.for_command("expire_booking_requests")):
            # SKIP LOCKED: no wait behind the host's open transaction.
            assert services.booking_expire_overdue(now=timezone.now() + request_ttl()) == 0
    finally:
        host.release.set()
        host.join(15)

    assert host.outcome == "confirmed"
    assert status_of(booking) == "confirmed"
