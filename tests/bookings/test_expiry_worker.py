"""The expiry job in a real worker process: a request's job, deferred with it and due at its
expires_at, expires it once a worker runs (here BOOKING_REQUEST_TTL_HOURS=0, in the test and
in the worker alike, so that it is due at once)."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.bookings.models import Booking
from apps.bookings.services import booking_create
from apps.core.context import DbContext, db_context
from tests.factories import ListingFactory, UserFactory
from tests.jobs.workers import clear_queue, owner_sql, wait_for, workers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_queue():
    clear_queue()
    yield
    clear_queue()


def expiry_job_states():
    return owner_sql(
        "SELECT status::text FROM procrastinate_jobs"
        " WHERE task_name = 'apps.bookings.tasks.expire_booking_request' ORDER BY id"
    )


def test_a_worker_expires_a_request_at_its_time_and_tells_both_parties(tmp_path, settings):
    settings.BOOKING_REQUEST_TTL_HOURS = 0
    with db_context(DbContext.system("tests")):
        listing, guest = ListingFactory(), UserFactory()
    check_in = timezone.localdate() + dt.timedelta(days=20)
    with db_context(DbContext().with_user(guest)):
        booking = booking_create(
            listing_id=listing.pk,
            check_in=check_in,
            check_out=check_in + dt.timedelta(days=2),
            guests=1,
            actor=guest,
        )
    assert expiry_job_states() == [("todo",)]  # committed with the booking, waiting

    with workers(1, log_dir=tmp_path, BOOKING_REQUEST_TTL_HOURS="0"):
        wait_for(lambda: expiry_job_states() == [("succeeded",)], what="the expiry job")

    with db_context(DbContext.system("tests")):
        assert Booking.objects.get(pk=booking.pk).status == "expired"
    told = owner_sql(
        "SELECT recipient_id FROM notifications WHERE event_key = %s ORDER BY recipient_id",
        [f"booking:{booking.pk}:expired"],
    )
    assert sorted(row[0] for row in told) == sorted([guest.pk, listing.owner_id])
