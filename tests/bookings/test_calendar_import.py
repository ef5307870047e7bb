"""Calendars imported from other platforms: a host registers a feed, the sync job turns its
events into blocks and keeps them in step; hostile feeds are refused or cut off. Feeds are
served by a real HTTP server on a free local port (CALENDAR_FEEDS_ALLOW_PRIVATE lets the sync
reach it; a test shows it is refused without)."""

import datetime as dt
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.db import connection

from apps.bookings.models import BookingStatus, CalendarEntry, CalendarFeed
from apps.bookings.tasks import sync_calendar_feed
from apps.core import dates
from apps.core.context import DbContext, db_context
from apps.notifications.models import Notification
from tests.db import login_session
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
TODAY = dates.today()


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def ics_date(n: int) -> str:
    return day(n).strftime("%Y%m%d")


def vcalendar(*events: str) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Elsewhere//EN", *events, "END:VCALENDAR"]
    return ("\r\n".join(lines) + "\r\n").encode()


def vevent(uid: str, start: int, end: int, extra: str = "") -> str:
    body = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART;VALUE=DATE:{ics_date(start)}",
        f"DTEND;VALUE=DATE:{ics_date(end)}",
        "SUMMARY:Reserved",
    ]
    if extra:
        body.append(extra)
    return "\r\n".join([*body, "END:VEVENT"])


class Feed:
    """What the local server answers: body, status, headers, and how slowly."""

    def __init__(self):
        self.body = vcalendar()
        self.status = 200
        self.etag = ""
        self.headers: dict[str, str] = {}
        self.trickle_seconds = 0.0
        self.requests: list[dict[str, str]] = []
        self.before_answer = lambda: None


@pytest.fixture
def feed_server(settings):
    settings.CALENDAR_FEEDS_ALLOW_PRIVATE = True
    settings.CALENDAR_FEEDS_TIMEOUT_SECONDS = 2
    feed = Feed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            feed.requests.append(dict(self.headers))
            feed.before_answer()
            if feed.etag and self.headers.get("If-None-Match") == feed.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(feed.status)
            self.send_header("Content-Type", "text/calendar")
            if feed.etag:
                self.send_header("ETag", feed.etag)
            for name, value in feed.headers.items():
                self.send_header(name, value)
            if not feed.trickle_seconds:
                self.send_header("Content-Length", str(len(feed.body)))
            self.end_headers()
            try:
                if feed.trickle_seconds:
                    for byte in feed.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(feed.trickle_seconds)
                else:
                    self.wfile.write(feed.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    feed.url = f"http://127.0.0.1:{server.server_address[1]}/listing.ics"
    yield feed
    server.shutdown()
    server.server_close()


def add_feed(listing, url: str, user=None):
    return client_for(user or listing.owner).post(
        f"/api/v1/listings/{listing.pk}/calendar-feeds/",
        {"url": url, "name": "Elsewhere"},
        format="json",
    )


def registered(listing, url: str) -> int:
    response = add_feed(listing, url)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def feed_view(listing, feed_id: int) -> dict:
    response = client_for(listing.owner).get(
        f"/api/v1/listings/{listing.pk}/calendar-feeds/{feed_id}/"
    )
    assert response.status_code == 200, response.content
    return response.json()


def imported(listing) -> list[tuple[dt.date, dt.date]]:
    with db_context(DbContext.system("tests")):
        return list(
            CalendarEntry.objects.filter(listing=listing, feed__isnull=False)
            .order_by("start_date")
            .values_list("start_date", "end_date")
        )


def test_a_feed_s_events_become_blocks_then_follow_its_changes(feed_server):
    listing = ListingFactory()
    feed_server.body = vcalendar(vevent("a@x", 5, 8), vevent("b@x", 20, 22))
    feed_id = registered(listing, feed_server.url)

    sync_calendar_feed(feed_id=feed_id)

    assert imported(listing) == [(day(5), day(8)), (day(20), day(22))]
    shown = feed_view(listing, feed_id)
    assert shown["status"] == "ok" and shown["conflicts"] == [] and shown["last_synced_at"]
    # Guests see the nights closed.
    availability = client_for(UserFactory()).get(
        f"/api/v1/listings/{listing.pk}/availability/?from={day(0)}&to={day(30)}"
    )
    assert {"start": day(5).isoformat(), "end": day(8).isoformat()} in availability.json()[
        "unavailable"
    ]

    # b moves, a goes, c comes.
    feed_server.body = vcalendar(vevent("b@x", 21, 24), vevent("c@x", 40, 41))
    sync_calendar_feed(feed_id=feed_id)

    assert imported(listing) == [(day(21), day(24)), (day(40), day(41))]


def test_a_conflict_with_a_booking_is_recorded_not_dropped(feed_server):
    listing = ListingFactory()
    BookingFactory(
        listing=listing, status=BookingStatus.CONFIRMED, check_in=day(10), check_out=day(12)
    )
    feed_server.body = vcalendar(vevent("clash@x", 11, 13), vevent("fine@x", 30, 31))
    feed_id = registered(listing, feed_server.url)

    sync_calendar_feed(feed_id=feed_id)

    shown = feed_view(listing, feed_id)
    assert shown["status"] == "conflict"
    assert shown["conflicts"] == [
        {"uid": "clash@x", "start": day(11).isoformat(), "end": day(13).isoformat(),
         "with": "booking"}
    ]  # fmt: skip
    assert imported(listing) == [(day(30), day(31))]


def host_told(listing) -> list[dict]:
    with db_context(DbContext.system("tests")):
        return list(
            Notification.objects.filter(recipient=listing.owner, kind="calendar_feed_conflict")
            .order_by("id")
            .values_list("data", flat=True)
        )


def test_the_host_is_told_of_conflicts_once_per_change(feed_server):
    listing = ListingFactory(title="Loft by the sea")
    BookingFactory(
        listing=listing, status=BookingStatus.CONFIRMED, check_in=day(10), check_out=day(12)
    )
    feed_server.body = vcalendar(vevent("clash@x", 11, 13))
    feed_id = registered(listing, feed_server.url)

    sync_calendar_feed(feed_id=feed_id)
    sync_calendar_feed(feed_id=feed_id)  # the same conflict: told once

    [told] = host_told(listing)
    assert told == {
        "listing_id": listing.pk, "listing_title": "Loft by the sea", "feed_id": feed_id,
        "feed_name": "Elsewhere", "conflicts": 1, "first_start": day(11).isoformat(),
        "first_end": day(13).isoformat(), "with_booking": True,
    }  # fmt: skip
    feed_server.body = vcalendar(vevent("clash@x", 11, 13), vevent("again@x", 9, 11))
    sync_calendar_feed(feed_id=feed_id)  # a new conflict: told again
    assert [t["conflicts"] for t in host_told(listing)] == [1, 2]
    feed_server.body = vcalendar()
    sync_calendar_feed(feed_id=feed_id)  # resolved: nothing to tell
    assert len(host_told(listing)) == 2 and feed_view(listing, feed_id)["status"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_the_fetch_holds_no_transaction_open(feed_server):
    """The job waits on the other platform outside any transaction: a slow feed never keeps
    a transaction (and, behind a transaction pooler, a server connection) open."""
    with db_context(DbContext.system("tests")):
        listing = ListingFactory()
    feed_server.body = vcalendar(vevent("a@x", 5, 8))
    feed_id = registered(listing, feed_server.url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    seen = []
    feed_server.before_answer = lambda: seen.append(backend_state(pid))

    sync_calendar_feed(feed_id=feed_id)

    assert seen == ["idle"], seen
    assert imported(listing) == [(day(5), day(8))]


def backend_state(pid: int) -> str:
    """A backend's state, read over a connection of its own."""
    with login_session() as other:
        [(state,)] = other.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", [pid])
        return state


def test_conditional_get_and_an_unchanged_feed(feed_server):
    listing = ListingFactory()
    feed_server.body = vcalendar(vevent("a@x", 5, 8))
    feed_server.etag = '"v1"'
    feed_id = registered(listing, feed_server.url)

    sync_calendar_feed(feed_id=feed_id)
    sync_calendar_feed(feed_id=feed_id)

    assert feed_server.requests[-1].get("If-None-Match") == '"v1"'
    assert imported(listing) == [(day(5), day(8))]
    assert feed_view(listing, feed_id)["status"] == "ok"


def test_time_zoned_and_recurring_events(feed_server):
    listing = ListingFactory()
    start = day(3)
    feed_server.body = vcalendar(
        "\r\n".join([
            "BEGIN:VEVENT", "UID:tz@x", "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID=Europe/Paris:{start.strftime('%Y%m%d')}T150000",
            f"DTEND;TZID=Europe/Paris:{(start + dt.timedelta(days=2)).strftime('%Y%m%d')}T110000",
            "END:VEVENT",
        ]),
        vevent("weekly@x", 50, 51, extra="RRULE:FREQ=WEEKLY;COUNT=3"),
    )  # fmt: skip
    feed_id = registered(listing, feed_server.url)

    sync_calendar_feed(feed_id=feed_id)

    assert imported(listing) == [
        (day(3), day(5)),
        (day(50), day(51)),
        (day(57), day(58)),
        (day(64), day(65)),
    ]
    assert feed_view(listing, feed_id)["status"] == "ok"


@pytest.mark.parametrize(
    "body",
    [b"not a calendar at all", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", b"\x00\xff" * 100],
)
def test_a_malformed_feed_is_an_error_on_the_feed_and_keeps_the_blocks(feed_server, body):
    listing = ListingFactory()
    feed_server.body = vcalendar(vevent("a@x", 5, 8))
    feed_id = registered(listing, feed_server.url)
    sync_calendar_feed(feed_id=feed_id)

    feed_server.body = body
    sync_calendar_feed(feed_id=feed_id)

    shown = feed_view(listing, feed_id)
    assert shown["status"] == "error" and shown["last_error"]
    assert imported(listing) == [(day(5), day(8))]


def test_a_huge_feed_is_cut_off(feed_server, settings):
    settings.CALENDAR_FEEDS_MAX_BYTES = 10_000
    listing = ListingFactory()
    feed_server.body = vcalendar(*[vevent(f"e{i}@x", 5, 6) for i in range(500)])
    feed_id = registered(listing, feed_server.url)

    sync_calendar_feed(feed_id=feed_id)

    shown = feed_view(listing, feed_id)
    assert shown["status"] == "error" and "larger" in shown["last_error"]
    assert imported(listing) == []


def test_a_huge_feed_without_a_length_is_cut_off_too(feed_server, settings):
    settings.CALENDAR_FEEDS_MAX_BYTES = 1_000
    feed_server.trickle_seconds = 0.0001
    listing = ListingFactory()
    feed_server.body = vcalendar(*[vevent(f"e{i}@x", 5, 6) for i in range(50)])
    feed_id = registered(listing, feed_server.url)

    sync_calendar_feed(feed_id=feed_id)

    assert "larger" in feed_view(listing, feed_id)["last_error"]


def test_a_slow_feed_is_cut_off_at_the_deadline(feed_server, settings):
    settings.CALENDAR_FEEDS_TIMEOUT_SECONDS = 1
    feed_server.trickle_seconds = 0.05  # the whole body would take minutes
    listing = ListingFactory()
    feed_server.body = vcalendar(*[vevent(f"e{i}@x", 5, 6) for i in range(20)])
    feed_id = registered(listing, feed_server.url)

    started = time.monotonic()
    sync_calendar_feed(feed_id=feed_id)

    assert time.monotonic() - started < 3
    shown = feed_view(listing, feed_id)
    assert shown["status"] == "error" and "longer" in shown["last_error"]


def test_private_and_loopback_addresses_are_refused_by_default(feed_server, settings):
    settings.CALENDAR_FEEDS_ALLOW_PRIVATE = False
    listing = ListingFactory()
    feed_id = registered(listing, feed_server.url)

    sync_calendar_feed(feed_id=feed_id)

    shown = feed_view(listing, feed_id)
    assert shown["status"] == "error" and "private" in shown["last_error"]
    assert feed_server.requests == []  # never even asked


def test_every_redirect_is_checked_again(feed_server):
    listing = ListingFactory()
    feed_server.status = 302
    feed_server.headers = {"Location": "file:///etc/passwd"}
    feed_id = registered(listing, feed_server.url)

    sync_calendar_feed(feed_id=feed_id)

    shown = feed_view(listing, feed_id)
    assert shown["status"] == "error" and "http" in shown["last_error"]


@pytest.mark.parametrize(
    "url", ["ftp://example.com/cal.ics", "file:///etc/passwd", "javascript:alert(1)", "x" * 3000]
)
def test_only_http_and_https_addresses_are_registered(url):
    listing = ListingFactory()

    response = add_feed(listing, url)

    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]


def test_only_the_owner_registers_reads_and_deletes_feeds(feed_server):
    listing = ListingFactory()
    feed_server.body = vcalendar(vevent("a@x", 5, 8))
    feed_id = registered(listing, feed_server.url)
    sync_calendar_feed(feed_id=feed_id)
    stranger = UserFactory(owner=True)

    assert add_feed(listing, feed_server.url + "?2", stranger).status_code in (403, 404)
    assert client_for(stranger).get(
        f"/api/v1/listings/{listing.pk}/calendar-feeds/"
    ).status_code in (403, 404)
    assert add_feed(listing, feed_server.url).status_code == 400  # once per listing
    listed = client_for(listing.owner).get(f"/api/v1/listings/{listing.pk}/calendar-feeds/")
    assert [f["id"] for f in listed.json()] == [feed_id]

    deleted = client_for(listing.owner).delete(
        f"/api/v1/listings/{listing.pk}/calendar-feeds/{feed_id}/"
    )

    assert deleted.status_code == 204
    assert imported(listing) == []
    with db_context(DbContext.system("tests")):
        assert not CalendarFeed.objects.filter(pk=feed_id).exists()


def test_an_exported_calendar_round_trips_into_another_listing(feed_server):
    """Havre's own export, imported by another listing: the same nights closed."""
    source = ListingFactory(preparation_days=1)
    BookingFactory(
        listing=source, status=BookingStatus.CONFIRMED, check_in=day(10), check_out=day(12)
    )
    client_for(source.owner).post(
        f"/api/v1/listings/{source.pk}/blocks/",
        {"start": day(20).isoformat(), "end": day(23).isoformat()},
        format="json",
    )
    url = (
        client_for(source.owner).get(f"/api/v1/listings/{source.pk}/calendar-export/").json()["url"]
    )
    from django.test import Client  # noqa: PLC0415

    feed_server.body = Client().get(url.removeprefix("http://testserver")).content
    target = ListingFactory()
    feed_id = registered(target, feed_server.url)

    sync_calendar_feed(feed_id=feed_id)

    assert imported(target) == [(day(10), day(13)), (day(20), day(23))]


def test_the_cron_command_queues_each_feed_s_sync_once(feed_server, capsys):
    first, second = ListingFactory(), ListingFactory()
    ids = {registered(first, feed_server.url), registered(second, feed_server.url)}

    call_command("sync_calendar_feeds")  # the jobs queued at registration still wait
    waiting_before = queued_syncs()
    with db_context(DbContext.system("tests")), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM procrastinate_jobs WHERE task_name LIKE %s", ["%sync_calendar%"]
        )
    call_command("sync_calendar_feeds")
    call_command("sync_calendar_feeds")

    assert waiting_before == sorted(ids)
    assert queued_syncs() == sorted(ids)
    assert "2 feeds queued" in capsys.readouterr().out


def queued_syncs() -> list[int]:
    with db_context(DbContext.system("tests")), connection.cursor() as cursor:
        cursor.execute(
            "SELECT (args ->> 'feed_id')::bigint FROM procrastinate_jobs "
            "WHERE task_name = 'apps.bookings.tasks.sync_calendar_feed' AND status = 'todo' "
            "ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]
