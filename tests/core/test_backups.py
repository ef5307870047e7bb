"""Backups that contain every row, restores that give back exactly what was saved.

These tests back up and restore the test database itself (a restore replaces its whole schema
public by the backup's, which is the same migrated schema), so they are transactional."""

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
from types import SimpleNamespace

import pytest
from dbbackup import settings as dbbackup_settings
from django.core.management import CommandError, call_command
from django.db import connection

from apps.bookings.models import Booking
from apps.core.backups import manifest, restore, retention
from apps.core.context import DbContext, db_context
from apps.listings.models import Listing
from apps.messaging.models import Message
from tests.db import owner_connect
from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db(transaction=True)

TABLES_SQL = (
    "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE nspname = 'public' AND relkind = 'r' ORDER BY 1"
)


@pytest.fixture
def backup_dir(tmp_path, monkeypatch, settings):
    """Backups go to a temporary directory (dbbackup read STORAGES at import time)."""
    location = tmp_path / "backups"
    location.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "dbbackup": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    monkeypatch.setattr(dbbackup_settings, "STORAGE", settings.STORAGES["dbbackup"]["BACKEND"])
    monkeypatch.setattr(dbbackup_settings, "STORAGE_OPTIONS", {"location": str(location)})
    return location


@pytest.fixture
def seeded():
    call_command("seed", stdout=io.StringIO())


def dbname() -> str:
    return connection.settings_dict["NAME"]


def owner_sql(query, params=None):
    with owner_connect(autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def snapshot() -> dict:
    """Every table's row count and content checksum, read as the owner (who sees all rows)."""
    return {
        table: owner_sql(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608
            f'FROM "{table}" t'
        )[0]
        for (table,) in owner_sql(TABLES_SQL)
    }


def schema() -> str:
    """The whole schema as pg_dump writes it: tables, sequences, policies, triggers,
    partitions, functions, extensions, owners and grants."""
    params = connection.settings_dict
    result = subprocess.run(  # noqa: S603 — fixed arguments
        ["pg_dump", "--schema-only", "--dbname", params["NAME"], "--host", params["HOST"],  # noqa: S607
         "--port", str(params["PORT"] or 5432), "--username", params["USER"]],
        capture_output=True, check=True, text=True,
    )  # fmt: skip
    # pg_dump's \restrict key is random on every run.
    text = "\n".join(
        line
        for line in result.stdout.splitlines()
        if not line.startswith(("\\restrict", "\\unrestrict"))
    )
    # PostgreSQL prints a CHECK (varchar_column IN (...)) created by a migration differently
    # from the same constraint created from its own printout (a dump): one spelling for both.
    return re.sub(r"ANY \(\(ARRAY\[([^\]]*)\]\)::text\[\]\)", _one_spelling, text)


def _one_spelling(match) -> str:
    items = re.findall(r"'[^']*'::character varying", match.group(1))
    return "ANY (ARRAY[" + ", ".join(f"({item})::text" for item in items) + "])"


def backup(*args) -> str:
    out = io.StringIO()
    call_command("dbbackup", "--compress", "--noinput", *args, stdout=out)
    return out.getvalue()


def latest(backup_dir) -> str:
    return sorted(p.name for p in backup_dir.glob("*.dump.gz"))[-1]


def read_manifest(backup_dir, name) -> dict:
    return json.loads((backup_dir / manifest.name_for(name)).read_text())


def test_the_full_drill_backup_change_restore(backup_dir, seeded):
    before, schema_before = snapshot(), schema()
    backup()
    name = latest(backup_dir)

    with db_context(DbContext.system("tests")):
        Listing.objects.filter(title="Appartement Paris Centre").update(price_cents=99_900)
        Message.all_objects.all().delete()
        ListingFactory(title="Created after the backup")
    owner_sql("CREATE TABLE created_after_the_backup (id int)")
    owner_sql("REVOKE SELECT ON bookings FROM app_user")
    assert snapshot() != before and schema() != schema_before

    out = io.StringIO()
    call_command("dbrestore", "--noinput", "--input-filename", name, stdout=out)

    # Every table's rows, and the schema with its policies, triggers, partitions, extensions
    # (btree_gist), owners and grants (app_user's included), are as they were backed up.
    assert snapshot() == before
    assert schema() == schema_before
    assert "counts match the manifest" in out.getvalue()
    # Sequences too: the next insert works, as the application's role, with its triggers.
    with db_context(DbContext.system("tests")):
        listing = ListingFactory(title="Inserted after the restore")
        assert listing.versions.count() == 1
        assert Booking.objects.count() == before["bookings"][0]


def test_a_backup_is_named_after_the_database_and_the_utc_time(backup_dir):
    started = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)

    backup()

    name = latest(backup_dir)
    assert name.startswith(f"{dbname()}-") and name.endswith(".dump.gz")
    taken = retention.backup_time(name)
    assert started <= taken <= dt.datetime.now(tz=dt.UTC)


def test_the_manifest_describes_the_backup(backup_dir, seeded):
    out = backup()
    name = latest(backup_dir)

    data = read_manifest(backup_dir, name)

    content = (backup_dir / name).read_bytes()
    assert data["file"] == name and data["database"] == dbname() and data["compressed"]
    assert data["sha256"] == hashlib.sha256(content).hexdigest()
    assert data["size"] == len(content)
    assert data["row_counts"] == {
        table: owner_sql(f'SELECT count(*) FROM "{table}"')[0][0]  # noqa: S608
        for (table,) in owner_sql(TABLES_SQL)
    }
    assert data["row_counts"]["listings"] > 0
    assert any(table.startswith("audit_logs_") for table in data["row_counts"])  # partitions
    assert data["migrations"] == [
        f"{app}.{migration}"
        for app, migration in owner_sql("SELECT app, name FROM django_migrations ORDER BY id")
    ]
    assert data["postgresql_version"] == owner_sql("SHOW server_version")[0][0]
    assert data["pg_dump_version"].startswith("pg_dump (PostgreSQL)")
    assert 0 <= data["dump_seconds"] <= data["duration_seconds"]
    assert dt.datetime.fromisoformat(data["created_at"]).tzinfo is not None
    assert "verified_at" not in data
    assert out.startswith(f"dbbackup: {name} (")


def test_row_counts_come_from_the_dumps_own_snapshot(backup_dir, monkeypatch):
    """A row committed between the counts and pg_dump's start is in neither."""
    from dbbackup.db.postgresql import PgDumpBinaryConnector

    dump = PgDumpBinaryConnector._create_dump

    def commit_a_row_then_dump(self):
        owner_sql(
            "INSERT INTO django_session "
            "VALUES (encode(sha256('committed-meanwhile'), 'hex'), '', now() + '1 day')"
        )
        return dump(self)

    monkeypatch.setattr(PgDumpBinaryConnector, "_create_dump", commit_a_row_then_dump)
    backup()
    name = latest(backup_dir)

    assert read_manifest(backup_dir, name)["row_counts"]["django_session"] == 0
    call_command("backup_verify", name, stdout=io.StringIO())  # the dump agrees with it


def test_a_damaged_backup_is_refused(backup_dir, seeded):
    backup()
    name = latest(backup_dir)
    path = backup_dir / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    before = snapshot()

    with pytest.raises(CommandError, match="does not match the manifest"):
        call_command("dbrestore", "--noinput", "--input-filename", name)
    with pytest.raises(CommandError, match="does not match the manifest"):
        call_command("backup_verify", name)
    assert snapshot() == before


def test_a_backup_without_manifest_needs_no_manifest_check(backup_dir):
    backup()
    name = latest(backup_dir)
    (backup_dir / manifest.name_for(name)).unlink()

    with pytest.raises(CommandError, match="has no manifest"):
        call_command("dbrestore", "--noinput", "--input-filename", name)

    out = io.StringIO()
    call_command(
        "dbrestore", "--noinput", "--no-manifest-check", "--input-filename", name, stdout=out
    )
    assert "restored" in out.getvalue()


def test_restore_asks_to_type_the_database_name(backup_dir, monkeypatch):
    backup()
    with db_context(DbContext.system("tests")):
        ListingFactory(title="Made after the backup")
    prompts = []

    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "yes")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("dbrestore", stdout=io.StringIO())
    assert dbname() in prompts[0]
    assert owner_sql("SELECT count(*) FROM listings")[0][0] == 1  # nothing changed

    monkeypatch.setattr("builtins.input", lambda prompt: dbname())
    call_command("dbrestore", stdout=io.StringIO())
    assert owner_sql("SELECT count(*) FROM listings")[0][0] == 0


def test_a_failed_restore_changes_nothing(backup_dir, seeded, monkeypatch):
    backup()
    name = latest(backup_dir)
    before, schema_before = snapshot(), schema()
    # The restore fails half-way: after schema public is dropped and created again, a table
    # is in the way of the dump's.
    monkeypatch.setattr(
        restore,
        "REPLACE_SCHEMA_SQL",
        restore.REPLACE_SCHEMA_SQL + b"CREATE TABLE public.listings (in_the_way int);\n",
    )

    with pytest.raises(CommandError, match="rolled back, nothing changed"):
        call_command("dbrestore", "--noinput", "--input-filename", name)

    assert snapshot() == before and schema() == schema_before


@pytest.fixture
def psql_exits_before_pg_restore_writes(tmp_path, monkeypatch):
    """psql and pg_restore, the real ones, behind two wrappers first on PATH: pg_restore starts
    only once psql has exited and closed its input. Whatever the machine's load, psql stops
    before pg_restore's first write — by construction, not by timing."""
    marker = tmp_path / "psql-exited"
    wrappers = tmp_path / "bin"
    wrappers.mkdir()
    scripts = {
        # Closing its own copy of the pipe first: when the marker appears, nobody reads it.
        "psql": f'"{shutil.which("psql")}" "$@"\nstatus=$?\nexec 0<&-\ntouch "{marker}"\n'
        "exit $status\n",
        "pg_restore": f'while [ ! -e "{marker}" ]; do sleep 0.01; done\n'
        f'exec "{shutil.which("pg_restore")}" "$@"\n',
    }
    for name, body in scripts.items():
        script = wrappers / name
        script.write_text("#!/bin/sh\n" + body)
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrappers}{os.pathsep}{os.environ['PATH']}")
    return marker


def restore_in_a_thread(*args) -> list[str]:
    """Run dbrestore in a thread; the CommandError's message, or fail if it hangs."""
    outcome = []

    def run():
        try:
            call_command("dbrestore", "--noinput", *args, stdout=io.StringIO())
        except CommandError as exc:
            outcome.append(str(exc))
        finally:
            connection.close()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the restore is stuck"
    return outcome


def test_psql_stopping_at_once_does_not_leave_pg_restore_waiting(
    backup_dir, seeded, monkeypatch, psql_exits_before_pg_restore_writes
):
    """psql stops at its first statement while pg_restore still has far more than a pipe's
    worth of SQL to write: the restore must fail at once, not wait on the full pipe."""
    owner_sql(  # a few MB of COPY data: much more than the pipes and our copy buffer hold
        "INSERT INTO tags (name_fr, name_en, slug) SELECT 'tag ' || i, 'tag ' || i, 'tag-' || i"
        " FROM generate_series(1, 100000) AS i"
    )
    backup()
    name = latest(backup_dir)
    before = snapshot()
    monkeypatch.setattr(restore, "REPLACE_SCHEMA_SQL", b"SELECT 1 / 0;\n")

    [message] = restore_in_a_thread("--input-filename", name)

    assert psql_exits_before_pg_restore_writes.exists()
    assert "rolled back, nothing changed" in message and "division by zero" in message
    assert snapshot() == before


def test_psql_stopping_first_is_reported_even_when_pg_restore_fails_too(
    backup_dir, seeded, monkeypatch, psql_exits_before_pg_restore_writes
):
    """Both fail — psql at its first statement, then pg_restore on a dump cut short: psql's
    error, the first, is the one reported."""
    backup()
    name = latest(backup_dir)
    path = backup_dir / name
    dump = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(dump[: len(dump) // 2]))
    (backup_dir / manifest.name_for(name)).unlink()
    before = snapshot()
    monkeypatch.setattr(restore, "REPLACE_SCHEMA_SQL", b"SELECT 1 / 0;\n")

    [message] = restore_in_a_thread("--no-manifest-check", "--input-filename", name)

    assert "rolled back, nothing changed" in message and "division by zero" in message
    assert snapshot() == before


def test_a_missing_input_path_is_named_as_missing(tmp_path):
    missing = tmp_path / "missing.gz"

    with pytest.raises(CommandError) as raised:
        call_command("dbrestore", "--noinput", "--input-path", str(missing))

    assert str(raised.value) == f"dbrestore: {missing} does not exist."


def test_a_dump_that_breaks_off_half_way_changes_nothing(backup_dir, seeded):
    """pg_restore streams SQL into psql as it reads the archive: when it fails half-way, the
    SQL already sent must not be committed."""
    backup()
    name = latest(backup_dir)
    path = backup_dir / name
    dump = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(dump[: len(dump) * 2 // 3]))
    (backup_dir / manifest.name_for(name)).unlink()
    before, schema_before = snapshot(), schema()

    with pytest.raises(CommandError, match="could not read the dump, nothing changed"):
        call_command(
            "dbrestore", "--noinput", "--no-manifest-check", "--input-filename", name,
            stdout=io.StringIO(),
        )  # fmt: skip

    assert snapshot() == before and schema() == schema_before


def test_restore_gives_up_when_a_session_holds_a_lock(backup_dir):
    backup()
    name = latest(backup_dir)
    with owner_connect() as blocker:
        blocker.execute("SELECT count(*) FROM listings")  # holds ACCESS SHARE until rollback

        with pytest.raises(CommandError, match="lock timeout"):
            call_command(
                "dbrestore", "--noinput", "--lock-timeout", "500ms", "--input-filename", name
            )
        blocker.rollback()


@pytest.fixture
def login_role():
    """A temporary login role, dropped afterwards (roles are cluster-wide: a unique name)."""
    names = []

    def create(options: str) -> str:
        name = f"havre_test_backup_{secrets.token_hex(3)}"
        owner_sql(f"CREATE ROLE {name} LOGIN {options}")
        names.append(name)
        return name

    yield create
    for name in names:
        owner_sql(f"DROP ROLE IF EXISTS {name}")


def test_a_role_that_cannot_see_every_row_is_refused(backup_dir, monkeypatch, login_role):
    backup()  # as the owner
    name = latest(backup_dir)
    files = set(backup_dir.iterdir())
    weak = login_role("NOSUPERUSER NOBYPASSRLS IN ROLE app_user")
    monkeypatch.setitem(dbbackup_settings.CONNECTORS["default"], "USER", weak)

    with pytest.raises(CommandError, match=f"'{weak}' is neither superuser nor BYPASSRLS"):
        backup()
    assert set(backup_dir.iterdir()) == files

    with pytest.raises(CommandError, match="neither superuser nor BYPASSRLS"):
        call_command("dbrestore", "--noinput", "--input-filename", name)


def test_a_bypassrls_role_backs_up_every_row(backup_dir, monkeypatch, seeded, login_role):
    reader = login_role("NOSUPERUSER BYPASSRLS IN ROLE pg_read_all_data")
    monkeypatch.setitem(dbbackup_settings.CONNECTORS["default"], "USER", reader)

    backup()

    counts = read_manifest(backup_dir, latest(backup_dir))["row_counts"]
    assert counts["listings"] == owner_sql("SELECT count(*) FROM listings")[0][0] > 0
    assert counts["users"] == owner_sql("SELECT count(*) FROM users")[0][0] > 0


def test_backup_verify_restores_into_a_scratch_database(backup_dir, seeded, scratch_database):
    backup()
    name = latest(backup_dir)
    out = io.StringIO()

    call_command("backup_verify", stdout=out)  # the latest

    assert out.getvalue().startswith(f"backup_verify: {name} OK (")
    assert read_manifest(backup_dir, name)["verified_at"]
    assert not database_exists(scratch_database)


def test_backup_verify_fails_on_a_count_mismatch(backup_dir, seeded, scratch_database):
    backup()
    name = latest(backup_dir)
    data = read_manifest(backup_dir, name)
    data["row_counts"]["listings"] += 1
    (backup_dir / manifest.name_for(name)).write_text(json.dumps(data))

    with pytest.raises(CommandError, match=r"row counts differ.*'listings'"):
        call_command("backup_verify", name)

    assert "verified_at" not in read_manifest(backup_dir, name)
    assert not database_exists(scratch_database)


@pytest.fixture
def scratch_database(monkeypatch):
    """The name backup_verify will give its scratch database."""
    from apps.core.management.commands import backup_verify

    token, used = secrets.token_hex(6), []
    monkeypatch.setattr(
        backup_verify, "secrets", SimpleNamespace(token_hex=lambda n: used.append(n) or token)
    )
    yield f"havre_verify_{token}"
    assert used, "backup_verify did not name a scratch database"


def database_exists(name) -> bool:
    return bool(owner_sql("SELECT 1 FROM pg_database WHERE datname = %s", [name]))


def make_backup_file(backup_dir, age_days: float, *, verified=False, database=None) -> str:
    taken = dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=age_days)
    name = f"{database or dbname()}-{taken:%Y%m%dT%H%M%SZ}.dump.gz"
    (backup_dir / name).write_bytes(b"backup")
    (backup_dir / f"{name}.metadata").write_text("{}")
    (backup_dir / manifest.name_for(name)).write_text(
        json.dumps({"verified_at": taken.isoformat()} if verified else {})
    )
    return name


def test_keep_backup_is_by_age_and_keeps_the_newest_verified(backup_dir, settings):
    settings.BACKUP_RETENTION_DAYS = 30
    names = {
        age: make_backup_file(backup_dir, age, verified=age in (90, 60))
        for age in (90, 60, 40, 29, 5)
    }

    kept = {age for age, name in names.items() if retention.keep_backup(name)}

    assert kept == {60, 29, 5}
    assert retention.keep_backup("notes-without-a-date.txt")


def test_clean_deletes_old_backups_with_their_manifests(backup_dir, settings):
    settings.BACKUP_RETENTION_DAYS = 30
    old_verified = make_backup_file(backup_dir, 60, verified=True)
    older_verified = make_backup_file(backup_dir, 90, verified=True)
    old = make_backup_file(backup_dir, 40)
    young = make_backup_file(backup_dir, 5)
    other_database = make_backup_file(backup_dir, 400, database="otherdb")
    orphan = manifest.name_for(f"{dbname()}-20200101T000000Z.dump.gz")
    (backup_dir / orphan).write_text("{}")

    out = backup("--clean")

    new = latest(backup_dir)
    files = {p.name for p in backup_dir.iterdir()}
    for name in (new, young, old_verified, other_database):
        assert {name, manifest.name_for(name)} <= files
    for name in (old, older_verified):
        assert not {name, manifest.name_for(name), f"{name}.metadata"} & files
    assert orphan not in files
    assert out.rstrip().endswith("2 old backups deleted")


def test_retention_days_come_from_the_environment(tmp_path):
    env = {**os.environ, "BACKUP_RETENTION_DAYS": "7", "BACKUP_DIR": str(tmp_path)}
    result = subprocess.run(  # noqa: S603 — our own settings
        [sys.executable, "-c", "from django.conf import settings; import django; django.setup(); "
         "print(settings.BACKUP_RETENTION_DAYS, settings.STORAGES['dbbackup'])"],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.startswith("7 {'BACKEND': 'django.core.files.storage.FileSystemStorage'")
    assert str(tmp_path) in result.stdout
