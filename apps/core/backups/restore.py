"""Restoring a backup: checked against its manifest, all or nothing."""

import gzip
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from apps.core.backups import manifest
from apps.core.backups.connector import conninfo


class RestoreError(Exception):
    pass


def fetch(storage, name: str, workdir: Path) -> tuple[Path, dict]:
    """Download the backup, check its sha256 against the manifest, return the dump file."""
    data = manifest.read(storage, name)
    if data is None:
        raise RestoreError(f"{name} has no manifest: refusing to restore an unverifiable file.")
    raw = workdir / "backup"
    with storage.open(name) as source, raw.open("wb") as target:
        shutil.copyfileobj(source, target)
    with raw.open("rb") as handle:
        digest, _size = manifest.sha256_of(handle)
    if digest != data["sha256"]:
        raise RestoreError(
            f"{name}: sha256 {digest} does not match the manifest's {data['sha256']}."
        )
    dump = workdir / "backup.dump"
    if name.endswith(".gz"):
        with gzip.open(raw, "rb") as source, dump.open("wb") as target:
            shutil.copyfileobj(source, target)
    else:
        raw.rename(dump)
    return dump, data


def _env(settings: dict) -> dict:
    import os

    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return env


def _uri(settings: dict, dbname: str) -> str:
    info = conninfo(settings, dbname)
    user = f"{info['user']}@" if info["user"] else ""
    host = info["host"] or "localhost"
    port = f":{info['port']}" if info["port"] else ""
    return f"postgresql://{user}{host}{port}/{dbname}"


def restore_into(settings: dict, dbname: str, dump: Path, *, replace_schema: bool) -> None:
    """Load `dump` into `dbname` in ONE transaction, stopping at the first error: a failed
    restore leaves the database as it was. With replace_schema, schema public is dropped and
    recreated first (in the same transaction), so nothing added since the backup survives."""
    with tempfile.TemporaryFile() as script:
        if replace_schema:
            script.write(b"DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
            script.flush()  # before pg_restore appends to the same file
        subprocess.run(  # noqa: S603 — fixed argv
            ["pg_restore", "--file=-", str(dump)],  # noqa: S607
            stdout=script,
            check=True,
        )
        script.seek(0)
        result = subprocess.run(  # noqa: S603
            [  # noqa: S607
                "psql", "--quiet", "--no-psqlrc", "--single-transaction",
                "--set", "ON_ERROR_STOP=1", "--dbname", _uri(settings, dbname),
            ],
            stdin=script, capture_output=True, env=_env(settings), check=False,
        )  # fmt: skip
    if result.returncode != 0:
        raise RestoreError(f"restore failed, nothing changed: {result.stderr.decode()[-2000:]}")


def row_counts(settings: dict, dbname: str, tables) -> dict[str, int]:
    with psycopg.connect(**conninfo(settings, dbname)) as connection:
        return {
            table: connection.execute(
                psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }
