import json

from django.core.serializers.json import DjangoJSONEncoder

from apps.core.durations import parse_duration
from apps.core.management.base import BaseCommand
from apps.core.models import AuditLog


class Command(BaseCommand):
    help = "Print the history of one record, newest first."

    def add_arguments(self, parser):
        parser.add_argument("table", help="Table name, e.g. listings")
        parser.add_argument("id", type=int, help="The record's id")
        parser.add_argument("--user", type=int, help="Only changes made by this user id")
        parser.add_argument("--since", type=parse_duration, help="Only the last 7d, 12h...")
        parser.add_argument("--json", action="store_true", help="JSON lines output")
        parser.add_argument("--limit", type=int, default=100)

    def handle(self, *args, table, id, user, since, json: bool, limit, **options):
        from django.utils import timezone

        entries = AuditLog.objects.filter(table_name=table, record_id=id)
        if user is not None:
            entries = entries.filter(user_id=user)
        if since is not None:
            entries = entries.filter(timestamp__gte=timezone.now() - since)
        rows = list(
            entries.order_by("-timestamp", "-id").values(
                "timestamp",
                "action",
                "user_id",
                "actor",
                "ip_address",
                "changes",
                "request_id",
            )[:limit]
        )
        if json:
            for row in rows:
                self.stdout.write(_dumps(row))
            return
        if not rows:
            self.stdout.write(f"No history for {table} #{id}.")
            return
        for row in rows:
            who = f"user {row['user_id']}" if row["user_id"] else row["actor"]
            self.stdout.write(f"{row['timestamp']:%Y-%m-%d %H:%M:%S} {row['action']:<6} by {who}")
            for column, change in (row["changes"] or {}).items():
                self.stdout.write(f"    {column}: {change['old']!r} → {change['new']!r}")


def _dumps(row) -> str:
    return json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False)
