"""Requests that expire (issue 16): a pending request the host has not answered within
BOOKING_REQUEST_TTL_HOURS becomes `expired` — by its own job, or by the safety sweep — and its
nights are free again; both parties are told. PostgreSQL lets only the job and the sweep expire
a booking, and only a pending one. Clocks are the tests' (`now=`), never the wall's."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.bookings import services
from apps.bookings.errors import BookingConflict
from apps.bookings.models import Booking, request_ttl
from apps.bookings.tasks import expire_booking_request
from apps.core.context import DbContext, db_context
from apps.core.errors import InvalidTransition
from apps.jobs.queue import job_context
from apps.notifications.models import Notification
from tests.db import acting_as, execute, refused_column
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

JOB_ACTOR = "system:job:expire_booking_request"


def request(listing, guest, *, days_ahead=30, nights=3):
    check_in = timezone.localdate() + dt.timedelta(days=days_ahead)
    return services.booking_create(
        listing_id=listing.pk,
        check_in=check_in,
        check_out=check_in + dt.timedelta(days=nights),
        guests=1,
        actor=guest,
    )


def sweep(now: dt.datetime) -> int:
    """The sweep at `now`, as its command runs it."""
    with db_context(DbContext.for_command("expire_booking_requests")):
        return services.booking_expire_overdue(now=now)


def expire(booking, now: dt.datetime) -> bool:
    """The booking's expiry job's service at `now`, as the job runs it."""
    with db_context(job_context("expire_booking_request")):
        return services.booking_expire(booking_id=booking.pk, now=now)


def status_of(booking) -> str:
    return Booking.objects.values_list("status", flat=True).get(pk=booking.pk)


def expiry_jobs(booking) -> list[tuple[str, dt.datetime]]:
    return [
        (status, scheduled_at)
        for status, scheduled_at in execute(
            "SELECT status, scheduled_at FROM procrastinate_jobs"
            " WHERE task_name = 'apps.bookings.tasks.expire_booking_request'"
            " AND (args ->> 'booking_id')::bigint = %s",
            [booking.pk],
        )
    ]


def test_a_request_schedules_its_expiry_job_at_created_at_plus_the_ttl(settings):
    settings.BOOKING_REQUEST_TTL_HOURS = 24
    booking = request(ListingFactory(), UserFactory())
    booking.refresh_from_db()

    assert booking.expires_at == booking.created_at + dt.timedelta(hours=24)
    assert expiry_jobs(booking) == [("todo", booking.expires_at)]


def test_an_expired_request_frees_its_dates_for_another_guest():
    listing, alice, bob = ListingFactory(), UserFactory(), UserFactory()
    held = request(listing, alice)
    held.refresh_from_db()
    with pytest.raises(BookingConflict):
        request(listing, bob)

    # A minute before its time, nothing; at its time, it expires.
    assert sweep(held.expires_at - dt.timedelta(minutes=1)) == 0
    assert status_of(held) == "pending"
    assert sweep(held.expires_at) == 1
    assert status_of(held) == "expired"

    stay = request(listing, bob)
    assert (stay.guest, stay.status, stay.check_in) == (bob, "pending", held.check_in)


def test_both_parties_are_told_once():
    booking = BookingFactory(status="pending")

    assert expire(booking, timezone.now() + request_ttl())
    assert not expire(booking, timezone.now() + 2 * request_ttl())

    told = Notification.objects.filter(event_key=f"booking:{booking.pk}:expired")
    assert sorted((n.recipient_id, n.kind, n.data["role"]) for n in told) == sorted(
        [
            (booking.guest_id, "booking_expired", "guest"),
            (booking.listing.owner_id, "booking_expired", "host"),
        ]
    )


@pytest.mark.parametrize("status", ["confirmed", "declined", "cancelled"])
def test_an_answered_request_never_expires(status):
    booking = BookingFactory(status=status)
    later = timezone.now() + 10 * request_ttl()

    assert not expire(booking, later)
    assert sweep(later) == 0
    assert status_of(booking) == status


def test_the_job_expires_a_due_request_and_waits_for_one_not_yet_due():
    listing = ListingFactory()
    due, early = request(listing, UserFactory()), request(listing, UserFactory(), days_ahead=60)
    # The due one was made a day ago (created_at is no guarded column).
    execute(
        "UPDATE bookings SET created_at = created_at - %s WHERE id = %s", [request_ttl(), due.pk]
    )
    execute("DELETE FROM procrastinate_jobs WHERE (args ->> 'booking_id')::bigint = %s", [early.pk])

    expire_booking_request(booking_id=due.pk)
    expire_booking_request(booking_id=due.pk)  # idempotent
    expire_booking_request(booking_id=early.pk)

    assert (status_of(due), status_of(early)) == ("expired", "pending")
    early.refresh_from_db()
    assert expiry_jobs(early) == [("todo", early.expires_at)]  # queued again, for its time
    assert Notification.objects.filter(kind="booking_expired").count() == 2


def test_the_sweep_command_expires_what_is_overdue():
    booking = BookingFactory(status="pending")
    booking.refresh_from_db()

    def run(*args):
        out = io.StringIO()
        call_command("expire_booking_requests", *args, stdout=out)
        return out.getvalue()

    assert run() == "expire_booking_requests: 0 requests expired\n"
    assert run("--now", booking.expires_at.isoformat()) == (
        "expire_booking_requests: 1 requests expired\n"
    )
    assert status_of(booking) == "expired"


def test_the_host_can_no_longer_answer_an_expired_request():
    booking = BookingFactory(status="pending")
    expire(booking, timezone.now() + request_ttl())

    for answer in (services.booking_confirm, services.booking_decline):
        with pytest.raises(InvalidTransition) as caught:
            answer(booking=Booking.objects.get(pk=booking.pk), actor=booking.listing.owner)
        assert caught.value.code == "invalid_transition"
    assert status_of(booking) == "expired"


# --- PostgreSQL: who may expire what -------------------------------------------------------


@pytest.mark.parametrize("party", ["guest", "host"])
def test_no_party_expires_a_request(party):
    booking = BookingFactory(status="pending")
    user = booking.guest if party == "guest" else booking.listing.owner

    with acting_as(user), refused_column("status"):
        execute("UPDATE bookings SET status = 'expired' WHERE id = %s", [booking.pk])

    assert status_of(booking) == "pending"


@pytest.mark.parametrize("actor", ["system:tests", "command:complete_bookings"])
def test_other_system_actors_and_staff_do_not_expire_either(actor):
    booking = BookingFactory(status="pending")
    staff = UserFactory(is_staff=True, is_superuser=True)

    for context in (DbContext(actor=actor), DbContext().with_user(staff)):
        with db_context(context), refused_column("status"):
            execute("UPDATE bookings SET status = 'expired' WHERE id = %s", [booking.pk])

    assert status_of(booking) == "pending"


@pytest.mark.parametrize("actor", [JOB_ACTOR, "command:expire_booking_requests"])
def test_the_job_and_the_sweep_expire_pending_requests_only(actor):
    pending, confirmed = BookingFactory(status="pending"), BookingFactory(status="confirmed")

    with db_context(DbContext(actor=actor)):
        execute("UPDATE bookings SET status = 'expired' WHERE id = %s", [pending.pk])
        with refused_column("status"):
            execute("UPDATE bookings SET status = 'expired' WHERE id = %s", [confirmed.pk])

    assert (status_of(pending), status_of(confirmed)) == ("expired", "confirmed")


def test_nobody_brings_an_expired_request_back():
    booking = BookingFactory(status="pending")
    expire(booking, timezone.now() + request_ttl())
    staff = UserFactory(is_staff=True, is_superuser=True)

    for context in (DbContext(actor=JOB_ACTOR), DbContext().with_user(staff)):
        for status in ("pending", "confirmed"):
            with db_context(context), refused_column("status"):
                execute("UPDATE bookings SET status = %s WHERE id = %s", [status, booking.pk])

    assert status_of(booking) == "expired"


# --- The API ---------------------------------------------------------------------------------


def test_the_api_shows_when_a_request_expires():
    booking = BookingFactory(status="pending")
    booking.refresh_from_db()

    shown = client_for(booking.guest).get(f"/api/v1/bookings/{booking.pk}/").json()
    assert dt.datetime.fromisoformat(shown["expires_at"]) == booking.expires_at

    services.booking_confirm(booking=booking, actor=booking.listing.owner)
    shown = client_for(booking.guest).get(f"/api/v1/bookings/{booking.pk}/").json()
    assert shown["expires_at"] is None


# --- The admin -------------------------------------------------------------------------------


def test_the_admin_offers_no_expiry_and_keeps_an_expired_booking_as_it_is():
    pending = BookingFactory(status="pending")
    expired = BookingFactory(status="pending")
    expire(expired, timezone.now() + request_ttl())
    client = Client()
    client.force_login(UserFactory(staff=True, is_superuser=True))

    form = client.get(reverse("admin:bookings_booking_change", args=[pending.pk]))
    assert form.status_code == 200
    assert 'value="confirmed"' in form.text and 'value="expired"' not in form.text

    form = client.get(reverse("admin:bookings_booking_change", args=[expired.pk]))
    assert form.status_code == 200
    assert 'name="status"' not in form.text  # shown, not editable
