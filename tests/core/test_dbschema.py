"""apps/<app>/sql/current.sql is the catalog of a freshly migrated database, object for object."""

import os
import subprocess
import sys
from io import StringIO

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from psycopg import sql as pg_sql

from apps.core.db import catalog
from apps.core.db.roles import as_owner

COMMENTED_KINDS = ("function", "trigger", "policy", "view", "materialized view")


@pytest.fixture
def migrated(django_db_setup, django_db_blocker):
    """The migrated test database, outside any test transaction (the owner switch needs it)."""
    with django_db_blocker.unblock():
        yield
        connections.close_all()


def catalog_blocks() -> list[catalog.Block]:
    with as_owner(), transaction.atomic(), connection.cursor() as cursor:
        return catalog.Catalog(cursor).blocks()


def test_the_committed_files_are_the_catalog_of_the_migrated_database(migrated):
    out, err = StringIO(), StringIO()
    try:
        call_command("dbschema", "--check", stdout=out, stderr=err)
    except CommandError as error:
        pytest.fail(f"{err.getvalue()}{error}")
    assert "the files are current" in out.getvalue()


def test_every_function_trigger_policy_and_view_says_what_it_is_for(migrated):
    silent = [
        b.label for b in catalog_blocks() if b.kind in COMMENTED_KINDS and "(no comment)" in b.text
    ]

    assert silent == [], f"add a COMMENT ON in a migration for: {', '.join(silent)}"


def test_the_text_names_no_environment(migrated):
    texts = "\n".join(b.text for b in catalog_blocks())
    db = connection.settings_dict

    # As an identifier (a qualified name, a quoted one, ALTER DATABASE ...): the word itself may
    # well appear in our SQL (an advisory lock's key is 'havre:categories_tree').
    name = db["NAME"]
    assert all(form not in texts for form in (f"{name}.", f'"{name}"', f"DATABASE {name}")), name
    assert all(f"{where} {db['USER']}" not in texts for where in ("TO", "ROLE", "OWNER")), (
        "the owner's name appears in the files"
    )


def test_objects_are_filed_with_the_app_that_owns_them():
    tables = catalog.table_apps()

    assert catalog.app_by_name("listing_search_sync", tables) == "listings"  # listing_… → listings
    assert catalog.app_by_name("categories_prevent_cycle", tables) == "listings"
    assert catalog.app_by_name("reviews_set_listing", tables) == "reviews"
    assert catalog.app_by_name("audit_capture", tables) == "core"
    assert catalog.app_by_name("app_user_id", tables) == "core"
    # Named after a listings table, but works on a higher app's data and lives in its migrations.
    assert catalog.app_by_name("listings_refresh_rating", tables) == "reviews"
    assert catalog.app_by_name("listing_unavailable_ranges", tables) == "bookings"
    # A library's functions, claimed by prefix by the app that runs them (the job queue).
    assert catalog.app_by_name("procrastinate_fetch_job_v2", tables) == "jobs"
    with pytest.raises(catalog.OwnershipError, match="database_functions"):
        catalog.app_by_name("frobnicate", tables)


def _admin_connection(dbname: str) -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        dbname=dbname,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )


@pytest.fixture
def scratch_database(migrated):
    """A copy of the migrated test database (CREATE DATABASE … TEMPLATE), dropped afterwards."""
    template = connection.settings_dict["NAME"]
    name = f"{template}_scratch"
    connections.close_all()  # a template must have no other session
    with _admin_connection("postgres") as admin:
        admin.execute(pg_sql.SQL("DROP DATABASE IF EXISTS {}").format(pg_sql.Identifier(name)))
        admin.execute(
            pg_sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                pg_sql.Identifier(name), pg_sql.Identifier(template)
            )
        )
    try:
        yield name
    finally:
        with _admin_connection("postgres") as admin:
            admin.execute(
                pg_sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    pg_sql.Identifier(name)
                )
            )


def _dbschema_check(dbname: str) -> subprocess.CompletedProcess:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    url = f"postgres://{db['USER']}{password}@{host}/{dbname}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.run(  # noqa: S603 — our own manage.py, fixed arguments
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "dbschema", "--check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_names_every_object_that_drifted_from_the_files(scratch_database):
    with _admin_connection(scratch_database) as scratch:
        # A function body, a trigger and a policy changed in place...
        scratch.execute(
            "CREATE OR REPLACE FUNCTION app_setting(name text) RETURNS text "
            "LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT current_setting(name, true) $$"
        )
        scratch.execute(
            "DROP TRIGGER categories_no_cycle ON categories; "
            "CREATE TRIGGER categories_no_cycle BEFORE INSERT ON categories "
            "FOR EACH ROW EXECUTE FUNCTION categories_prevent_cycle()"
        )
        scratch.execute(
            "DROP POLICY users_self ON users; "
            "CREATE POLICY users_self ON users FOR SELECT USING (id = app_user_id())"
        )
        # ...one policy gone, one the files do not know...
        scratch.execute("DROP POLICY tags_read ON tags")
        scratch.execute("CREATE POLICY tags_hidden ON tags FOR SELECT USING (false)")
        # ...and an audit partition attached by hand, without row-level security.
        scratch.execute(
            "CREATE TABLE audit_logs_2099_01 PARTITION OF audit_logs "
            "FOR VALUES FROM ('2099-01-01') TO ('2099-02-01')"
        )

    result = _dbschema_check(scratch_database)

    assert result.returncode != 0, result.stdout
    report = result.stderr
    assert "function app_setting(name text) differs from the database" in report
    assert "trigger categories_no_cycle ON categories differs from the database" in report
    assert "policy users_self ON users differs from the database" in report
    assert "policy tags_read ON tags is in the file, not in the database" in report
    assert "policy tags_hidden ON tags is in the database, not in the file" in report
    assert "partitioning audit_logs differs from the database" in report
    assert "apps/listings/sql/current.sql" in report
    assert "run manage.py dbschema --write" in report
    assert report.count("differs from the database") == 4, report


def test_objects_no_rule_places_are_all_named_at_once(scratch_database):
    with _admin_connection(scratch_database) as scratch:
        scratch.execute("CREATE FUNCTION frobnicate() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$")
        scratch.execute("CREATE TABLE orphans (id int)")
        scratch.execute("ALTER TABLE orphans ENABLE ROW LEVEL SECURITY")

    result = _dbschema_check(scratch_database)

    assert result.returncode != 0, result.stdout
    assert "frobnicate belongs to no app" in result.stderr
    assert "table orphans belongs to no model" in result.stderr


def test_the_files_rebuild_what_they_describe(scratch_database):
    """Each block is executable SQL that recreates its object exactly: dropped and re-run from
    the committed files, every policy, trigger, function, view and grant reads back the same."""
    with _admin_connection(scratch_database) as scratch:
        for app in catalog.project_apps():
            for (kind, name), text in catalog.parse(catalog.sql_path(app).read_text()).items():
                if kind == "partitioning":  # the partitioned table itself is Django's
                    continue
                if kind in ("policy", "trigger"):
                    scratch.execute(f"DROP {kind.upper()} {name}")
                scratch.execute(text)

    result = _dbschema_check(scratch_database)

    assert result.returncode == 0, result.stderr
