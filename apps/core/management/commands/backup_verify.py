"""Prove that a backup restores: load it (the latest by default) into a scratch database,
compare every table's row count with its manifest, run a smoke query on each app's main table,
drop the scratch database (always), and mark the manifest verified.

    python manage.py backup_verify [NAME]

Creating and restoring the scratch database is the owner's work: it connects with the owner's
credentials when they are set apart (MIGRATION_DATABASE_URL or _USER), else as the backup
connector does (BACKUP_DATABASE_URL, default DATABASE_URL's user) — a read-only backup role
could not.

Exits non-zero on any mismatch or error; safe to run from cron after each backup.
"""

import secrets
import tempfile
from pathlib import Path

import psycopg
from dbbackup.db.base import get_connector
from dbbackup.storage import get_storage
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.core.management.base import CommandError
from psycopg import sql

from apps.core.backups import manifest, retention
from apps.core.backups.connector import conninfo
from apps.core.backups.restore import RestoreError, count_mismatches, fetch, restore_into
from apps.core.locks import command_lock
from apps.core.management.base import BaseCommand


def smoke_queries() -> dict[str, str]:
    """Each app's main table, read the way the application reads it: joined to the rows it
    points to (every row must find them) — its count must equal the manifest's. Each app
    gives its own (AppConfig.backup_smoke_queries). The same tables are then counted as the
    application's role sees them in a system context: grants, policies and the context
    functions came back too."""
    return {
        table: query
        for config in django_apps.get_app_configs()
        for table, query in getattr(config, "backup_smoke_queries", {}).items()
    }


def _as_owner(connector_settings: dict, database: str) -> dict:
    owner = django_settings.DATABASES[database].get("OWNER") or {}
    return {**connector_settings, **{key: value for key, value in owner.items() if value}}


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The backup to verify (default: the latest)")
        parser.add_argument("-d", "--database", default="default", help="Django database alias")

    def handle(self, *args, name, database, **options):
        settings = _as_owner(get_connector(database).settings, database)
        storage = get_storage().storage
        name = name or retention.latest(storage, settings["NAME"])
        if not name:
            raise CommandError(f"backup_verify: no backup of {settings['NAME']} to verify.")
        with command_lock("backup_verify"):
            rows, tables = self._verify(settings, storage, name)
        manifest.mark_verified(storage, name)
        self.stdout.write(f"backup_verify: {name} OK ({rows} rows in {tables} tables)")

    def _verify(self, settings, storage, name) -> tuple[int, int]:
        scratch = f"havre_verify_{secrets.token_hex(6)}"
        try:
            # Issued from the application's database: no need for access to `postgres`.
            with psycopg.connect(**conninfo(settings), autocommit=True) as connection:
                connection.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(scratch))
                )
        except psycopg.Error as exc:
            raise CommandError(f"backup_verify: cannot create a scratch database: {exc}") from exc
        try:
            with tempfile.TemporaryDirectory(prefix="havre-verify-") as workdir:
                dump, data = fetch(storage, name, Path(workdir))
                restore_into(settings, scratch, dump, replace_schema=True)
            expected = data["row_counts"]
            mismatched = count_mismatches(settings, scratch, expected)
            if mismatched:
                raise CommandError(
                    f"backup_verify: {name}: row counts differ from the manifest "
                    f"(table: (restored, manifest)): {mismatched}"
                )
            self._smoke(settings, scratch, name, expected)
            return sum(expected.values()), len(expected)
        except RestoreError as exc:
            raise CommandError(f"backup_verify: {name}: {exc}") from exc
        except psycopg.Error as exc:
            raise CommandError(f"backup_verify: {name}: smoke query failed: {exc}") from exc
        finally:
            with psycopg.connect(**conninfo(settings), autocommit=True) as connection:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(scratch)
                    )
                )

    @staticmethod
    def _smoke(settings, scratch, name, expected) -> None:
        audit_rows = sum(n for t, n in expected.items() if t.startswith("audit_logs"))
        queries = smoke_queries()
        wanted = {table: expected.get(table, 0) for table in queries}
        wanted["audit_logs"] = audit_rows
        with psycopg.connect(**conninfo(settings, scratch)) as connection:
            for table, query in queries.items():
                found = connection.execute(query).fetchone()[0]
                if found != wanted[table]:
                    raise CommandError(
                        f"backup_verify: {name}: smoke query on {table} found {found} rows, "
                        f"the manifest says {wanted[table]}"
                    )
            connection.rollback()
            with connection.transaction():
                connection.execute(
                    sql.SQL("SET LOCAL ROLE {}").format(
                        sql.Identifier(django_settings.DATABASE_APP_ROLE)
                    )
                )
                connection.execute("SELECT set_config('app.actor', 'system:backup_verify', true)")
                for table in queries:
                    found = connection.execute(
                        sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
                    ).fetchone()[0]
                    if found != wanted[table]:
                        raise CommandError(
                            f"backup_verify: {name}: as {django_settings.DATABASE_APP_ROLE} "
                            f"(system context) {table} shows {found} rows, expected "
                            f"{wanted[table]}: grants or policies were not restored"
                        )
