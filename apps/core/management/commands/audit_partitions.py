import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.core.db.roles import as_owner
from apps.core.management.base import BaseCommand

PARTITIONS_SQL = """
SELECT c.relname,
       (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'audit_logs'::regclass AND c.relname <> 'audit_logs_default'
ORDER BY c.relname
"""


class Command(BaseCommand):
    help = (
        "Create the coming months' audit_logs partitions and detach/drop those older than "
        "AUDIT_RETENTION_DAYS. Safe to run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=3)
        parser.add_argument("--retention-days", type=int, default=settings.AUDIT_RETENTION_DAYS)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, months_ahead, retention_days, dry_run, **options):
        today = timezone.now().date().replace(day=1)
        months = [_add_months(today, n) for n in range(months_ahead + 1)]
        horizon = timezone.now() - dt.timedelta(days=retention_days)
        with as_owner(), connection.cursor() as cursor:
            cursor.execute(PARTITIONS_SQL)
            existing = dict(cursor.fetchall())
            to_create = [m for m in months if f"audit_logs_{m:%Y_%m}" not in existing]
            to_drop = [name for name, upper in existing.items() if upper <= horizon]
            if not dry_run:
                for month in to_create:
                    cursor.execute("SELECT audit_logs_ensure_partition(%s)", [month])
                for name in to_drop:
                    cursor.execute(f'ALTER TABLE audit_logs DETACH PARTITION "{name}"')
                    cursor.execute(f'DROP TABLE "{name}"')
        prefix = "would create" if dry_run else "created"
        self.stdout.write(
            f"audit_partitions: {prefix} {len(to_create)} "
            f"({', '.join(f'{m:%Y-%m}' for m in to_create) or '-'}); "
            f"{'would drop' if dry_run else 'dropped'} {len(to_drop)} older than "
            f"{retention_days} days ({', '.join(to_drop) or '-'})"
        )


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1, day=1)
