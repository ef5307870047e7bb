"""Two transactions racing for the same nights: PostgreSQL lets exactly one of them win.

Each guest books from a connection of their own (two app servers, say), acting like the
application does: as the runtime role, with the guest's request context, under row-level
security (neither guest can see the other's booking). The exclusion constraint still sees both.
No timing guesses: the test waits until PostgreSQL reports the second transaction blocked by the
first (pg_blocking_pids) before ending the first.
"""

import threading
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg import errors, sql

from apps.bookings.models import Booking
from apps.core.context import DbContext, db_context
from tests.factories import ListingFactory, UserFactory

INSERT = (
    "INSERT INTO bookings (listing_id, guest_id, tenant_id, check_in, check_out, guests,"
    " status, total_cents, currency, quote) VALUES (%s, %s, %s, %s, %s, 1, %s, 40000, 'EUR',"
    ' \'{"total_cents": 40000, "currency": "EUR", "lines": []}\')'
)


def guest_connection() -> psycopg.Connection:
    db = connection.settings_dict  # NAME is the test database's here
    conn = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        application_name="havre-tests-race",
        autocommit=True,
    )
    conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(settings.DATABASE_APP_ROLE)))
    # A safety net, never the mechanism: a wait that never ends fails the test instead.
    conn.execute("SET lock_timeout = '10s'")
    conn.autocommit = False
    return conn


def book(conn, guest, listing, check_in, check_out, status="confirmed") -> None:
    """Insert a booking in the connection's open transaction, for `guest` (not committed).
    Written by a system actor: a guest only creates pending bookings at the listing's price
    (bookings.0004), and these races need confirmed and declined ones too."""
    conn.execute(
        "SELECT set_config('app.user_id', %s, true), set_config('app.tenant_id', %s, true),"
        " set_config('app.actor', 'system:tests', true)",
        [str(guest.pk), str(guest.tenant_id)],
    )
    conn.execute(INSERT, [listing.pk, guest.pk, listing.tenant_id, check_in, check_out, status])


class Racer(threading.Thread):
    """Books from its own connection in a thread, since the insert blocks; keeps the outcome."""

    def __init__(self, conn, *args):
        super().__init__(daemon=True)
        self.conn, self.args, self.outcome = conn, args, None

    def run(self):
        try:
            book(self.conn, *self.args)
            self.conn.commit()
            self.outcome = "booked"
        except errors.ExclusionViolation as exc:
            self.conn.rollback()
            self.outcome = (exc.sqlstate, exc.diag.constraint_name)
        except Exception as exc:  # anything else: reported by the assertion
            self.conn.rollback()
            self.outcome = exc


def wait_until_blocked(racer: Racer, blocking: psycopg.Connection, timeout: float = 10) -> None:
    """Return once PostgreSQL reports the racer's transaction waiting for `blocking`'s."""
    waiting_pid, blocking_pid = racer.conn.info.backend_pid, blocking.info.backend_pid
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while racer.is_alive() and time.monotonic() < deadline:
            cursor.execute("SELECT %s = ANY (pg_blocking_pids(%s))", [blocking_pid, waiting_pid])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.005)
    raise AssertionError(f"the second booking did not wait for the first: {racer.outcome!r}")


@pytest.fixture
def world():
    with db_context(DbContext.system("tests")):
        listing = ListingFactory()
        alice, bob = UserFactory(), UserFactory()
    return listing, alice, bob


def bookings_of(listing) -> list[str]:
    """The e-mails of the guests holding a booking of `listing`, by arrival."""
    with db_context(DbContext.system("tests")):
        bookings = Booking.objects.filter(listing=listing).order_by("check_in")
        return list(bookings.values_list("guest__email", flat=True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_status", ["confirmed", "pending"])
def test_the_second_booking_waits_for_the_first_then_fails_when_it_commits(world, first_status):
    listing, alice, bob = world

    with guest_connection() as first, guest_connection() as second:
        book(first, alice, listing, "2031-02-01", "2031-02-05", first_status)
        racer = Racer(second, bob, listing, "2031-02-03", "2031-02-06")
        racer.start()
        wait_until_blocked(racer, first)

        first.commit()
        racer.join(timeout=15)

    assert racer.outcome == ("23P01", "calendar_entries_no_overlap")
    assert bookings_of(listing) == [alice.email]


@pytest.mark.django_db(transaction=True)
def test_the_second_booking_waits_for_the_first_then_wins_when_it_rolls_back(world):
    listing, alice, bob = world

    with guest_connection() as first, guest_connection() as second:
        book(first, alice, listing, "2031-02-01", "2031-02-05")
        racer = Racer(second, bob, listing, "2031-02-03", "2031-02-06")
        racer.start()
        wait_until_blocked(racer, first)

        first.rollback()
        racer.join(timeout=15)

    assert racer.outcome == "booked"
    assert bookings_of(listing) == [bob.email]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("first_dates", "first_status"),
    [
        (("2031-02-01", "2031-02-03"), "confirmed"),  # the second arrives as the first leaves
        (("2031-02-01", "2031-02-05"), "declined"),  # holds no nights
    ],
    ids=["back-to-back", "declined"],
)
def test_a_booking_that_does_not_conflict_does_not_wait(world, first_dates, first_status):
    listing, alice, bob = world

    with guest_connection() as first, guest_connection() as second:
        second.execute("SET lock_timeout = '2s'")
        book(first, alice, listing, *first_dates, first_status)

        # Synchronous: were it to wait for the open first transaction, it would time out.
        book(second, bob, listing, "2031-02-03", "2031-02-06")
        second.commit()
        first.commit()

    assert bookings_of(listing) == [alice.email, bob.email]


def lay_block(conn, host, listing, start, end) -> None:
    """The host lays a block in the connection's open transaction (not committed), as the
    blocks endpoint does in the host's request context."""
    conn.execute(
        "SELECT set_config('app.user_id', %s, true), set_config('app.tenant_id', %s, true),"
        " set_config('app.actor', 'user', true)",
        [str(host.pk), str(host.tenant_id)],
    )
    conn.execute(
        "INSERT INTO calendar_entries (listing_id, tenant_id, kind, start_date, end_date,"
        " turnover_end, created_by_id) VALUES (%s, %s, 'block', %s, %s, %s, %s)",
        [listing.pk, listing.tenant_id, start, end, end, host.pk],
    )


class BlockRacer(Racer):
    def run(self):
        try:
            lay_block(self.conn, *self.args)
            self.conn.commit()
            self.outcome = "blocked"
        except errors.ExclusionViolation as exc:
            self.conn.rollback()
            self.outcome = (exc.sqlstate, exc.diag.constraint_name)
        except Exception as exc:  # anything else: reported by the assertion
            self.conn.rollback()
            self.outcome = exc


@pytest.mark.django_db(transaction=True)
def test_a_hosts_block_waits_for_a_guests_booking_then_fails_when_it_commits(world):
    listing, alice, _bob = world

    with guest_connection() as guest, guest_connection() as host:
        book(guest, alice, listing, "2031-02-01", "2031-02-05", "pending")
        racer = BlockRacer(host, listing.owner, listing, "2031-02-04", "2031-02-08")
        racer.start()
        wait_until_blocked(racer, guest)

        guest.commit()
        racer.join(timeout=15)

    assert racer.outcome == ("23P01", "calendar_entries_no_overlap")
    assert bookings_of(listing) == [alice.email]


@pytest.mark.django_db(transaction=True)
def test_a_guests_booking_waits_for_a_hosts_block_then_fails_when_it_commits(world):
    listing, alice, _bob = world

    with guest_connection() as host, guest_connection() as guest:
        lay_block(host, listing.owner, listing, "2031-02-04", "2031-02-08")
        racer = Racer(guest, alice, listing, "2031-02-01", "2031-02-05")
        racer.start()
        wait_until_blocked(racer, host)

        host.commit()
        racer.join(timeout=15)

    assert racer.outcome == ("23P01", "calendar_entries_no_overlap")
    assert bookings_of(listing) == []
