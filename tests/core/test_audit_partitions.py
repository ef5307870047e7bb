import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.core.db.roles import as_owner


def partitions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'audit_logs'::regclass ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def month_name(months_from_now: int) -> str:
    day = timezone.now().date().replace(day=1)
    index = day.month - 1 + months_from_now
    return f"audit_logs_{day.year + index // 12}_{index % 12 + 1:02d}"


@pytest.mark.django_db(transaction=True)
def test_creates_coming_months_and_drops_expired_ones(capsys):
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SELECT audit_logs_ensure_partition(%s)", [dt.date(2020, 1, 15)])

    call_command("audit_partitions", "--dry-run", "--months-ahead", "5")
    assert "would drop 1" in capsys.readouterr().out
    assert "audit_logs_2020_01" in partitions()

    call_command("audit_partitions", "--months-ahead", "5", "--retention-days", "365")

    names = partitions()
    assert "audit_logs_2020_01" not in names
    assert {month_name(n) for n in range(6)} <= set(names)
    assert "audit_logs_default" in names

    call_command("audit_partitions", "--months-ahead", "5")  # idempotent
    assert "created 0" in capsys.readouterr().out.splitlines()[-1]


@pytest.mark.django_db(transaction=True)
def test_rows_in_the_default_partition_move_into_a_new_month():
    far = timezone.now() + dt.timedelta(days=800)
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_logs (table_name, record_id, action, timestamp)"
            " VALUES ('listings', 1, 'CREATE', %s)",
            [far],
        )
        cursor.execute("SELECT count(*) FROM audit_logs_default")
        assert cursor.fetchone() == (1,)
        cursor.execute("SELECT audit_logs_ensure_partition(%s)", [far.date()])
        cursor.execute("SELECT count(*) FROM audit_logs_default")
        assert cursor.fetchone() == (0,)
        cursor.execute(f"SELECT count(*) FROM audit_logs_{far:%Y_%m}")  # noqa: S608
        assert cursor.fetchone() == (1,)
