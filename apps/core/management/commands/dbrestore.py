"""Restore the latest (or a named) backup over the database, exactly as it was backed up:
schema, data, sequences, row-level security policies, triggers, partitions, grants.

    python manage.py dbrestore [--input-filename NAME | --input-path FILE] [--noinput]
                               [--no-manifest-check] [--lock-timeout 60s]

- The backup's sha256 must match its manifest; a backup without a manifest is refused unless
  --no-manifest-check (a damaged file never is).
- The operator types the target database's name to confirm (unless --noinput).
- Schema public is dropped and the dump loaded in ONE transaction that stops at the first
  error: a failed restore changes nothing. Then ANALYZE (a dump holds no planner statistics),
  and row counts are compared with the manifest.
- Connects as the maintenance role (BACKUP_DATABASE_URL, default the owner), which must be
  superuser or BYPASSRLS. Stop the application and cron first: the restore waits at most
  --lock-timeout for their locks, then fails (and changes nothing).
"""

import tempfile
import time
from pathlib import Path

import psycopg
from dbbackup.db.base import get_connector
from dbbackup.storage import get_storage
from django.core.files.storage import FileSystemStorage
from django.core.management.base import CommandError
from django.db import connections

from apps.core.backups import retention
from apps.core.backups.connector import BackupRoleError, assert_sees_every_row, conninfo
from apps.core.backups.restore import RestoreError, count_mismatches, fetch, restore_into
from apps.core.locks import command_lock
from apps.core.management.base import BaseCommand


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "-i", "--input-filename", help="A backup in the backup storage (default: the latest)"
        )
        source.add_argument(
            "-I", "--input-path", help="A backup file on this machine (its manifest beside it)"
        )
        parser.add_argument("-d", "--database", default="default", help="Django database alias")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")
        parser.add_argument(
            "--no-manifest-check",
            action="store_false",
            dest="require_manifest",
            help="Restore a backup that has no manifest (one that does is always checked)",
        )
        parser.add_argument("--lock-timeout", default="60s")

    def handle(self, *args, input_filename, input_path, database, interactive, **options):
        settings = get_connector(database).settings
        dbname = settings["NAME"]
        if input_path:
            path = Path(input_path).resolve()
            if not path.is_file():
                what = "is a directory, not a backup file" if path.is_dir() else "does not exist"
                raise CommandError(f"dbrestore: {path} {what}.")
            storage, name = FileSystemStorage(location=str(path.parent)), path.name
        else:
            storage = get_storage().storage
            name = input_filename or retention.latest(storage, dbname)
            if not name:
                raise CommandError(f"dbrestore: no backup of {dbname} to restore.")

        with command_lock("dbrestore"):
            self._check_role(settings)
            with tempfile.TemporaryDirectory(prefix="havre-restore-") as workdir:
                try:
                    dump, data = fetch(
                        storage, name, Path(workdir), require_manifest=options["require_manifest"]
                    )
                except RestoreError as exc:
                    raise CommandError(f"dbrestore: {exc}") from exc
                if interactive:
                    self._confirm(name, data, dbname)
                # Django's connections hold no lock the restore would wait for, and none
                # survives into the restored database with a stale view of it.
                connections.close_all()
                started = time.monotonic()
                try:
                    restore_into(
                        settings, dbname, dump, replace_schema=True,
                        lock_timeout=options["lock_timeout"],
                    )  # fmt: skip
                except RestoreError as exc:
                    raise CommandError(f"dbrestore: {exc}") from exc
                finally:
                    connections.close_all()

        loaded = time.monotonic()
        # A dump carries no planner statistics: gather them before the application returns.
        with psycopg.connect(**conninfo(settings), autocommit=True) as connection:
            connection.execute("ANALYZE")
        analyzed = time.monotonic()
        timings = f"load {loaded - started:.1f} s, ANALYZE {analyzed - loaded:.1f} s"
        if data is None:
            self.stdout.write(
                f"dbrestore: {name} restored into {dbname} (no manifest to compare; {timings})"
            )
            return
        mismatched = count_mismatches(settings, dbname, data["row_counts"])
        timings += f", count check {time.monotonic() - analyzed:.1f} s"
        if mismatched:
            raise CommandError(
                f"dbrestore: {name} restored into {dbname}, but row counts differ from the "
                f"manifest (table: (found, expected)): {mismatched}"
            )
        self.stdout.write(
            f"dbrestore: {name} restored into {dbname} "
            f"({sum(data['row_counts'].values())} rows in {len(data['row_counts'])} tables, "
            f"counts match the manifest; {timings})"
        )

    @staticmethod
    def _check_role(settings):
        try:
            with psycopg.connect(**conninfo(settings)) as connection:
                assert_sees_every_row(connection)
        except BackupRoleError as exc:
            raise CommandError(f"dbrestore: {exc}") from exc
        except psycopg.Error as exc:
            raise CommandError(f"dbrestore: cannot connect to {settings['NAME']}: {exc}") from exc

    def _confirm(self, name, data, dbname):
        about = "no manifest"
        if data:
            about = (
                f"taken {data.get('created_at', '?')} from database {data.get('database', '?')}, "
                f"{sum(data.get('row_counts', {}).values())} rows, "
                + (f"verified {data['verified_at']}" if data.get("verified_at") else "not verified")
            )
        self.stdout.write(
            f"This replaces everything in database {dbname!r} with the backup {name} ({about})."
        )
        answer = input(f"Type the database's name ({dbname}) to confirm: ")
        if answer.strip() != dbname:
            raise CommandError("dbrestore: cancelled, nothing changed.")
