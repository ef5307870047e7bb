"""pg_dump for django-dbbackup, the way Havre needs it.

- Connects with the maintenance role (BACKUP_DATABASE_URL, or the owner's credentials) and
  refuses to run unless that role bypasses row-level security: with RLS forced, anyone else
  would dump a silent subset.
- Counts every table's rows in the very snapshot pg_dump reads (pg_export_snapshot), for the
  manifest that restores are checked against.
- Custom format without pg_dump's own compression: `dbbackup --compress` gzips the result,
  so the data is compressed once.
"""

import shlex
import time

import psycopg
from dbbackup import utils
from dbbackup.db.exceptions import DumpError
from dbbackup.db.postgresql import PgDumpBinaryConnector

COUNT_TABLES_SQL = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1
"""


def conninfo(settings: dict, dbname: str | None = None) -> dict:
    return {
        "dbname": dbname or settings["NAME"],
        "user": settings.get("USER") or None,
        "password": settings.get("PASSWORD") or None,
        "host": settings.get("HOST") or None,
        "port": settings.get("PORT") or None,
    }


def assert_sees_every_row(connection) -> None:
    super_, bypass, name = connection.execute(
        "SELECT rolsuper, rolbypassrls, rolname FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if not (super_ or bypass):
        raise DumpError(
            f"Role {name!r} is neither superuser nor BYPASSRLS: row-level security would hide "
            "rows from pg_dump. Set BACKUP_DATABASE_URL to a role that bypasses RLS."
        )


class PostgresBackupConnector(PgDumpBinaryConnector):
    extension = "dump"

    def generate_filename(self, server_name=None):
        # The database's name, not its Django alias: havre-20261124T020000Z.dump.gz
        return utils.filename_generate(self.extension, self.settings["NAME"], server_name)

    def _create_dump(self):
        started = time.monotonic()
        with psycopg.connect(**conninfo(self.settings), autocommit=False) as connection:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            assert_sees_every_row(connection)
            snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
            tables = [row[0] for row in connection.execute(COUNT_TABLES_SQL)]
            counts = {
                table: connection.execute(
                    psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier(table))
                ).fetchone()[0]
                for table in tables
            }
            migrations = [
                f"{app}.{name}"
                for app, name in connection.execute(
                    "SELECT app, name FROM django_migrations ORDER BY id"
                )
            ]
            server_version = connection.execute("SHOW server_version").fetchone()[0]
            # pg_dump reads the same snapshot while this transaction stays open.
            self.dump_suffix = f"--compress=0 --snapshot={shlex.quote(snapshot)}"
            dump = super()._create_dump()
        pg_dump_version, _ = self.run_command("pg_dump --version", env=self.dump_env)
        self.manifest = {
            "database": self.settings["NAME"],
            "row_counts": counts,
            "migrations": migrations,
            "postgresql_version": server_version,
            "pg_dump_version": pg_dump_version.read().decode().strip(),
            "dump_seconds": round(time.monotonic() - started, 2),
        }
        return dump
