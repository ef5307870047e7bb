"""Restoring a backup: checked against its manifest, all or nothing."""

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from apps.core.backups import manifest
from apps.core.backups.connector import TABLES_SQL, conninfo, count_rows, libpq_env

# Schema public is dropped and created again as PostgreSQL 15 creates it (owned by
# pg_database_owner, usable by everyone): pg_dump only records how the schema differs from
# that, so anything else would not give back the schema's owner and grants as backed up.
REPLACE_SCHEMA_SQL = b"""
SET client_min_messages = warning;
DROP SCHEMA public CASCADE;
CREATE SCHEMA public;
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 150000 THEN
        ALTER SCHEMA public OWNER TO pg_database_owner;
        GRANT USAGE ON SCHEMA public TO PUBLIC;
    ELSE
        GRANT ALL ON SCHEMA public TO PUBLIC;
    END IF;
END
$$;
COMMENT ON SCHEMA public IS 'standard public schema';
RESET client_min_messages;
"""


class RestoreError(Exception):
    pass


def fetch(storage, name: str, workdir: Path, *, require_manifest: bool = True):
    """Download the backup into workdir, check its sha256 against the manifest, and return
    (the dump's path — .gz when gzipped —, the manifest or None when there is none and
    require_manifest is False)."""
    if name.endswith(".gpg"):
        raise RestoreError(f"{name} is encrypted: decrypt it first (gpg), then restore that file.")
    if not storage.exists(name):
        raise RestoreError(f"No backup named {name!r} in {storage.__class__.__name__}.")
    data = manifest.read(storage, name)
    if data is None and require_manifest:
        raise RestoreError(
            f"{name} has no manifest ({manifest.name_for(name)}): refusing to restore a file "
            "that cannot be checked (--no-manifest-check to restore it anyway)."
        )
    # Downloaded and hashed in one pass; a gzipped dump stays gzipped (restore_into streams it).
    dump = workdir / ("backup.dump.gz" if name.endswith(".gz") else "backup.dump")
    digest = hashlib.sha256()
    with storage.open(name, "rb") as source, dump.open("wb") as target:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(chunk)
            target.write(chunk)
    if data is not None and digest.hexdigest() != data.get("sha256"):
        raise RestoreError(
            f"{name}: sha256 {digest.hexdigest()} does not match the manifest's "
            f"{data.get('sha256')}: the file is damaged or not the one that was backed up; "
            "refusing to restore it."
        )
    return dump, data


def restore_into(
    settings: dict, dbname: str, dump: Path, *, replace_schema: bool, lock_timeout: str = "60s"
) -> None:
    """Load `dump` into `dbname` in ONE transaction that stops at the first error, so that a
    failed restore leaves the database as it was. With replace_schema, schema public is
    dropped and created again first, in the same transaction: nothing added since the backup
    survives. Waiting longer than lock_timeout for another session's lock fails the restore
    (stop the application and cron first)."""
    env = {
        **os.environ,
        **libpq_env(settings, dbname),
        "PGOPTIONS": f"-c lock_timeout={lock_timeout}",
    }
    # pg_restore turns the archive into SQL while psql runs it, through a pipe: no script file,
    # both at work at once. The transaction is ours: BEGIN first, COMMIT written only once
    # pg_restore has converted the whole archive. psql stops at its first error
    # (ON_ERROR_STOP); a psql whose input ends without COMMIT disconnects and PostgreSQL rolls
    # the transaction back — so a failed conversion never commits half a dump.
    with tempfile.TemporaryFile() as convert_errors, tempfile.TemporaryFile() as load_errors:
        load = subprocess.Popen(  # noqa: S603 — fixed argv
            ["psql", "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1"],  # noqa: S607
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=load_errors, env=env,
        )  # fmt: skip
        if dump.suffix == ".gz":  # gunzip | pg_restore: the archive is read from the stream
            unzip = subprocess.Popen(  # noqa: S603
                ["gzip", "--decompress", "--stdout", str(dump)],  # noqa: S607
                stdout=subprocess.PIPE, stderr=convert_errors,
            )  # fmt: skip
            convert = subprocess.Popen(
                ["pg_restore", "--file=-"],  # noqa: S607
                stdin=unzip.stdout, stdout=subprocess.PIPE, stderr=convert_errors,
            )  # fmt: skip
            unzip.stdout.close()  # pg_restore holds the pipe now
        else:
            unzip = None
            convert = subprocess.Popen(  # noqa: S603
                ["pg_restore", "--file=-", str(dump)],  # noqa: S607
                stdout=subprocess.PIPE, stderr=convert_errors,
            )  # fmt: skip
        try:
            load.stdin.write(b"BEGIN;\n" + (REPLACE_SCHEMA_SQL if replace_schema else b""))
            # psql starts on it now, not when pg_restore's first megabyte arrives.
            load.stdin.flush()
            shutil.copyfileobj(convert.stdout, load.stdin, 1024 * 1024)
        except BrokenPipeError:
            pass  # psql stopped at an error and closed its input: its error is reported below
        # Closing our end lets a pg_restore still writing after psql stopped exit (SIGPIPE)
        # instead of waiting forever on a full pipe.
        convert.stdout.close()
        converted = convert.wait() == 0 and (unzip is None or unzip.wait() == 0)
        if converted:
            with contextlib.suppress(BrokenPipeError):
                load.stdin.write(b"COMMIT;\n")
                load.stdin.flush()
        elif load.poll() is None and not _reported_error(load_errors):
            # psql is still waiting for the rest: stop it before the end of its input, so that
            # the half-loaded transaction is rolled back (and psql reports no error of ours).
            load.kill()
        with contextlib.suppress(BrokenPipeError):
            load.stdin.close()
        returncode = load.wait()
        # psql stopped by itself (at an error in what it had received, before or whatever
        # pg_restore did): its error is the reason, whatever pg_restore's state.
        if returncode > 0 or (returncode < 0 and _reported_error(load_errors)):
            raise RestoreError(
                f"restore into {dbname} failed and was rolled back, nothing changed: "
                f"{_tail(load_errors)}"
            )
        if not converted:
            raise RestoreError(
                f"pg_restore could not read the dump, nothing changed: {_tail(convert_errors)}"
            )


def _reported_error(errors) -> bool:
    """Whether psql has written an error (it does before it stops at one)."""
    text = _read(errors)
    return b"ERROR:" in text or b"FATAL:" in text


def _tail(errors) -> str:
    return _read(errors).decode(errors="replace")[-2000:].strip()


def _read(errors) -> bytes:
    # pread: the child may still write to the file, through the same file offset.
    return os.pread(errors.fileno(), os.fstat(errors.fileno()).st_size, 0)


def count_mismatches(
    settings: dict, dbname: str, expected: dict[str, int]
) -> dict[str, tuple[int | None, int]]:
    """{table: (rows found or None if missing, rows expected)} for every table that differs."""
    with psycopg.connect(**conninfo(settings, dbname)) as connection:
        existing = {row[0] for row in connection.execute(TABLES_SQL)}
        found = count_rows(connection, [table for table in expected if table in existing])
    return {
        table: (found.get(table), rows)
        for table, rows in expected.items()
        if found.get(table) != rows
    }
