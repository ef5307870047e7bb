"""Restore a backup (latest by default) into a scratch database, compare per-table row counts
with its manifest, run a smoke query on each app's main table, drop the scratch database.
Exits non-zero on any mismatch; marks the manifest verified on success. Safe from cron."""

import secrets
import tempfile
from pathlib import Path

import psycopg
from dbbackup.db.base import get_connector
from dbbackup.storage import get_storage
from django.core.management.base import BaseCommand, CommandError

from apps.core.backups import manifest, retention
from apps.core.backups.connector import conninfo
from apps.core.backups.restore import RestoreError, fetch, restore_into, row_counts

SMOKE = {
    "users": "SELECT count(*) FROM users WHERE email LIKE '%%@%%'",
    "listings": "SELECT count(*) FROM listings WHERE price_cents > 0",
    "bookings": "SELECT count(*) FROM bookings WHERE check_out > check_in",
    "reviews": "SELECT count(*) FROM reviews WHERE rating BETWEEN 1 AND 5",
    "messages": "SELECT count(*) FROM messages WHERE sender_id <> recipient_id",
    "audit_logs": "SELECT count(*) FROM audit_logs",
}


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The backup to verify (default: latest)")

    def handle(self, *args, name, **options):
        settings = get_connector("default").settings
        storage = get_storage().storage
        name = name or (retention.backups(storage) or [None])[-1]
        if not name:
            raise CommandError("No backup to verify.")
        scratch = f"havre_verify_{secrets.token_hex(4)}"
        admin = conninfo(settings, "postgres")
        with psycopg.connect(**admin, autocommit=True) as connection:
            connection.execute(
                psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(scratch))
            )
        try:
            with tempfile.TemporaryDirectory() as workdir:
                dump, data = fetch(storage, name, Path(workdir))
                restore_into(settings, scratch, dump, replace_schema=True)
            expected = data["row_counts"]
            counts = row_counts(settings, scratch, expected)
            mismatched = {t: (counts[t], n) for t, n in expected.items() if counts[t] != n}
            if mismatched:
                raise CommandError(f"backup_verify: {name}: row counts differ {mismatched}")
            with psycopg.connect(**conninfo(settings, scratch)) as connection:
                for table, query in SMOKE.items():
                    found = connection.execute(query.replace("%%", "%")).fetchone()[0]
                    if found != expected.get(table, found):
                        raise CommandError(f"backup_verify: smoke query on {table} failed")
        except RestoreError as exc:
            raise CommandError(f"backup_verify: {exc}") from exc
        finally:
            with psycopg.connect(**admin, autocommit=True) as connection:
                connection.execute(
                    psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        psycopg.sql.Identifier(scratch)
                    )
                )
        manifest.mark_verified(storage, name)
        self.stdout.write(
            f"backup_verify: {name} OK ({sum(counts.values())} rows in {len(counts)} tables)"
        )
