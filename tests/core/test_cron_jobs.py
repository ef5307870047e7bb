import datetime as dt

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from apps.bookings.models import Booking
from apps.core.locks import lock_key
from tests.factories import BookingFactory


@pytest.mark.django_db
def test_complete_bookings_completes_past_confirmed_stays(capsys):
    today = timezone.localdate()
    past = BookingFactory(check_in=today - dt.timedelta(days=5), check_out=today)
    future = BookingFactory(
        check_in=today + dt.timedelta(days=5), check_out=today + dt.timedelta(days=8)
    )

    call_command("complete_bookings")

    assert Booking.objects.get(pk=past.pk).status == "completed"
    assert Booking.objects.get(pk=future.pk).status == "confirmed"
    assert "1 bookings completed" in capsys.readouterr().out


@pytest.mark.django_db
def test_run_job_prints_one_summary_line(capsys):
    call_command("run_job", "purge_soft_deleted", "--", "--older-than", "30d", "--dry-run")

    [line] = capsys.readouterr().out.strip().splitlines()
    assert line.startswith("job=purge_soft_deleted status=ok seconds=")
    assert "summary=purge_soft_deleted: cut-off" in line


@pytest.mark.django_db
def test_a_failing_job_exits_non_zero():
    with pytest.raises(CommandError, match="status=failed") as failure:
        call_command("run_job", "purge_soft_deleted", "--", "--older-than", "soon")
    assert failure.value.returncode == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_a_job_never_overlap():
    settings_dict = connection.settings_dict
    holder = psycopg.connect(
        dbname=settings_dict["NAME"], user=settings_dict["USER"], host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432, autocommit=True,
    )  # fmt: skip
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", [lock_key("complete_bookings")])

        with pytest.raises(CommandError, match="status=skipped") as skipped:
            call_command("run_job", "complete_bookings")
        assert skipped.value.returncode == 75
    finally:
        holder.close()

    call_command("run_job", "complete_bookings")  # the lock is free again
