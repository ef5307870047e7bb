"""`complete_bookings`, bookings' hourly job: confirmed stays whose check-out day has come
become completed. (How cron runs it, its lock and exit codes: tests/core/test_cron_jobs.py.)"""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.bookings.models import Booking
from tests.factories import BookingFactory


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_complete_bookings_completes_confirmed_stays_whose_check_out_has_come():
    today = timezone.localdate()
    days = dt.timedelta
    past = BookingFactory(check_in=today - days(5), check_out=today - days(1))
    leaving_today = BookingFactory(check_in=today - days(3), check_out=today)
    staying = BookingFactory(check_in=today - days(1), check_out=today + days(2))
    pending = BookingFactory(check_in=today - days(9), check_out=today - days(7), status="pending")

    out = run("complete_bookings")

    status = dict(Booking.objects.values_list("pk", "status"))
    assert status[past.pk] == status[leaving_today.pk] == "completed"
    assert status[staying.pk] == "confirmed" and status[pending.pk] == "pending"
    assert out == "complete_bookings: 2 bookings completed\n"
    assert run("complete_bookings") == "complete_bookings: 0 bookings completed\n"


@pytest.mark.django_db
def test_complete_bookings_for_another_day():
    today = timezone.localdate()
    booking = BookingFactory(
        check_in=today + dt.timedelta(days=1), check_out=today + dt.timedelta(days=3)
    )

    run("complete_bookings", "--today", str(today + dt.timedelta(days=3)))

    assert Booking.objects.get(pk=booking.pk).status == "completed"
