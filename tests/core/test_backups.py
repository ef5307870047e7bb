"""Backups that contain every row, restores that give back exactly what was saved."""

import datetime as dt
import json

import psycopg
import pytest
from dbbackup import settings as dbbackup_settings
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from apps.core.backups import manifest, retention
from apps.core.context import DbContext, db_context
from apps.listings.models import Listing
from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def backup_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(dbbackup_settings, "STORAGE_OPTIONS", {"location": str(tmp_path)})
    return tmp_path


def owner_sql(query):
    params = connection.settings_dict
    with psycopg.connect(
        dbname=params["NAME"], user=params["USER"], host=params["HOST"], port=params["PORT"] or 5432
    ) as conn:
        cursor = conn.execute(query)
        return cursor.fetchall() if cursor.description else []


def snapshot():
    """Row count and content checksum of every table, read as the owner."""
    tables = [r[0] for r in owner_sql(
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE nspname = 'public' AND relkind = 'r' ORDER BY 1"
    )]  # fmt: skip
    return {
        table: owner_sql(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608
            f'FROM "{table}" t'
        )[0]
        for table in tables
    }


def latest(backup_dir):
    return sorted(p.name for p in backup_dir.glob("*.dump.gz"))[-1]


def test_the_full_drill_backup_change_restore(backup_dir, capsys):
    call_command("seed")
    before = snapshot()
    call_command("dbbackup", "--compress", "--noinput")
    name = latest(backup_dir)
    assert name.startswith(connection.settings_dict["NAME"] + "-")

    with db_context(DbContext.system("tests")):
        Listing.objects.filter(title="Appartement Paris Centre").update(price_cents=99_900)
        Listing.all_objects.filter(status="draft").delete()
        ListingFactory(title="Created after the backup")
    assert snapshot() != before

    call_command("dbrestore", "--noinput", "--input-filename", name)

    assert snapshot() == before
    # Sequences were restored too: the next insert works, and the app's rules are back.
    with db_context(DbContext.system("tests")):
        listing = ListingFactory(title="Inserted after the restore")
        assert listing.versions.count() == 1
    assert owner_sql("SELECT count(*) FROM pg_policies WHERE tablename = 'listings'")[0][0] >= 3
    assert "restored" in capsys.readouterr().out


def test_the_manifest_describes_the_backup(backup_dir):
    call_command("seed")
    call_command("dbbackup", "--compress", "--noinput")
    name = latest(backup_dir)

    data = json.loads((backup_dir / f"{name}{manifest.SUFFIX}").read_text())

    assert len(data["sha256"]) == 64 and data["size"] == (backup_dir / name).stat().st_size
    assert data["row_counts"]["listings"] == owner_sql("SELECT count(*) FROM listings")[0][0]
    assert "core.0001_initial" in data["migrations"]
    assert data["postgresql_version"] and "pg_dump" in data["pg_dump_version"]
    assert data["dump_seconds"] >= 0


def test_a_tampered_backup_is_refused(backup_dir):
    call_command("dbbackup", "--compress", "--noinput")
    name = latest(backup_dir)
    path = backup_dir / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(CommandError, match="does not match the manifest"):
        call_command("dbrestore", "--noinput", "--input-filename", name)


def test_restore_asks_for_the_database_name(backup_dir, monkeypatch):
    call_command("dbbackup", "--compress", "--noinput")
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")

    with pytest.raises(CommandError, match="cancelled"):
        call_command("dbrestore")


def test_a_role_that_cannot_see_every_row_is_refused(backup_dir, monkeypatch):
    owner_sql("DROP ROLE IF EXISTS havre_weak_backup")
    owner_sql("CREATE ROLE havre_weak_backup LOGIN NOBYPASSRLS")
    try:
        monkeypatch.setitem(settings.DBBACKUP_CONNECTORS["default"], "USER", "havre_weak_backup")
        monkeypatch.setattr(dbbackup_settings, "CONNECTORS", settings.DBBACKUP_CONNECTORS)
        with pytest.raises(Exception, match="neither superuser nor BYPASSRLS"):
            call_command("dbbackup", "--compress", "--noinput")
        assert not list(backup_dir.glob("*.dump*"))
    finally:
        owner_sql("DROP ROLE IF EXISTS havre_weak_backup")


def test_backup_verify_restores_into_a_scratch_database(backup_dir):
    call_command("seed")
    call_command("dbbackup", "--compress", "--noinput")
    name = latest(backup_dir)

    call_command("backup_verify", name)

    data = json.loads((backup_dir / f"{name}{manifest.SUFFIX}").read_text())
    assert data["verified_at"]
    assert not owner_sql("SELECT datname FROM pg_database WHERE datname LIKE 'havre_verify_%'")

    data["row_counts"]["listings"] += 1
    (backup_dir / f"{name}{manifest.SUFFIX}").write_text(json.dumps(data))
    with pytest.raises(CommandError, match="row counts differ"):
        call_command("backup_verify", name)
    assert not owner_sql("SELECT datname FROM pg_database WHERE datname LIKE 'havre_verify_%'")


def test_retention_is_by_age_and_keeps_the_newest_verified(backup_dir, settings):
    settings.BACKUP_RETENTION_DAYS = 30
    now = dt.datetime.now(tz=dt.UTC)
    names = {
        age: f"havre-{(now - dt.timedelta(days=age)):{settings.DBBACKUP_DATE_FORMAT}}.dump.gz"
        for age in (90, 60, 40, 5)
    }
    for age, name in names.items():
        (backup_dir / name).write_bytes(b"x")
        (backup_dir / f"{name}{manifest.SUFFIX}").write_text(
            json.dumps({"verified_at": "2026-01-01"} if age == 60 else {})
        )

    assert [retention.keep_backup(names[a]) for a in (90, 60, 40, 5)] == [False, True, False, True]
