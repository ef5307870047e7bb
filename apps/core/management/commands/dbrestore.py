"""Restore the latest (or a named) backup over the database, exactly as it was backed up.

The operator types the database's name to confirm (unless --noinput); a backup whose sha256
does not match its manifest is refused; the restore runs in one transaction and stops at the
first error."""

import tempfile
from pathlib import Path

from dbbackup.db.base import get_connector
from dbbackup.storage import get_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from apps.core.backups import retention
from apps.core.backups.connector import assert_sees_every_row, conninfo
from apps.core.backups.restore import RestoreError, fetch, restore_into, row_counts


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "-i", "--input-filename", help="The backup to restore (default: latest)"
        )
        parser.add_argument("-d", "--database", default="default")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, input_filename, database, interactive, **options):
        import psycopg

        settings = get_connector(database).settings
        dbname = settings["NAME"]
        storage = get_storage().storage
        name = input_filename or (retention.backups(storage) or [None])[-1]
        if not name:
            raise CommandError("No backup to restore.")
        if interactive:
            answer = input(f"Restore {name} over database {dbname!r}? Type its name to confirm: ")
            if answer.strip() != dbname:
                raise CommandError("Restore cancelled.")
        with psycopg.connect(**conninfo(settings)) as check:
            try:
                assert_sees_every_row(check)
            except Exception as exc:
                raise CommandError(str(exc)) from exc
        with tempfile.TemporaryDirectory() as workdir:
            try:
                dump, data = fetch(storage, name, Path(workdir))
                connections.close_all()
                restore_into(settings, dbname, dump, replace_schema=True)
            except RestoreError as exc:
                raise CommandError(str(exc)) from exc
        counts = row_counts(settings, dbname, data["row_counts"])
        mismatched = {
            t: (n, data["row_counts"][t]) for t, n in counts.items() if n != data["row_counts"][t]
        }
        if mismatched:
            raise CommandError(f"restored, but row counts differ from the manifest: {mismatched}")
        self.stdout.write(
            f"dbrestore: {name} restored into {dbname} ({sum(counts.values())} rows, counts match)"
        )
