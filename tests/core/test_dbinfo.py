"""dbinfo on a seeded database. Transactional: dbinfo reconnects as the owner, and the locks
test needs rows other sessions can see."""

import io
import json
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.core.context import DbContext, db_context
from apps.core.management.commands.dbinfo import NOT_INSTALLED, NOT_LOADED
from tests.db import owner_connect
from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args) -> str:
    out = io.StringIO()
    call_command("dbinfo", *args, stdout=out)
    return out.getvalue()


def run_json(*args) -> list[dict]:
    return json.loads(run(*args, "--json"))


@pytest.fixture
def seeded():
    call_command("seed", stdout=io.StringIO())
    with owner_connect(autocommit=True) as conn:
        conn.execute("ANALYZE")


def test_tables(seeded):
    tables = {row["table"]: row for row in run_json("tables")}

    assert {"listings", "bookings", "users", "audit_logs"} <= set(tables)
    assert tables["listings"]["rows_estimate"] == 7
    assert {"table_size", "indexes_size", "total_size"} <= set(tables["listings"])
    header = run("tables").splitlines()[0].split()
    assert header == ["table", "rows_estimate", "table_size", "indexes_size", "total_size"]


def test_indexes(seeded):
    indexes = {row["index"]: row for row in run_json("indexes")}

    assert indexes["listings_pkey"]["definition"].startswith("CREATE UNIQUE INDEX listings_pkey")
    assert {"table", "size", "scans"} <= set(indexes["listings_pkey"])
    assert "listings_search_gin_idx" in run("indexes")


def test_sequences(seeded):
    sequences = {row["sequence"]: row for row in run_json("sequences")}

    assert sequences["listings_id_seq"]["last_value"] >= 7
    assert sequences["listings_id_seq"]["increment_by"] == 1


def test_stats_of_a_table(seeded):
    stats = {row["column"]: row for row in run_json("stats", "listings")}

    assert {"n_distinct", "correlation", "null_frac"} <= set(stats["city"])
    assert stats["id"]["n_distinct"] == -1  # unique
    assert "(no statistics for nothing_here" in run("stats", "nothing_here")
    with pytest.raises(CommandError, match="needs a table"):
        run("stats")


def preloaded() -> bool:
    with owner_connect() as conn:
        libraries = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
    return "pg_stat_statements" in libraries


def test_slow_queries_lists_the_top_queries_or_says_how_to_enable_them(seeded):
    if preloaded():
        rows = run_json("slow-queries", "--limit", "3")
        assert len(rows) <= 3
        assert {"query", "calls", "total_ms", "mean_ms"} <= set(rows[0])
    else:
        assert run("slow-queries") == NOT_LOADED + "\n"


def test_slow_queries_without_the_extension_says_how_to_install_it():
    with owner_connect(autocommit=True) as conn:
        installed = conn.execute(
            "SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'"
        ).fetchone()[0]
        conn.execute("DROP EXTENSION IF EXISTS pg_stat_statements")
        try:
            assert run("slow-queries") == NOT_INSTALLED + "\n"
        finally:
            if installed:
                conn.execute("CREATE EXTENSION pg_stat_statements")


def test_connections(seeded):
    with owner_connect(autocommit=True) as other:
        other.execute("SET application_name = 'havre-test-other'")
        rows = run_json("connections")

    other = [row for row in rows if row["application"] == "havre-test-other"]
    assert other == [
        {
            "state": "idle",
            "application": "havre-test-other",
            "user": connection.settings_dict["USER"],
            "connections": 1,
        }
    ]


def test_locks_shows_a_really_blocked_session(seeded):
    with db_context(DbContext.system("tests")):
        listing = ListingFactory()
    assert run("locks") == "(no locks)\n"
    holder, waiter = owner_connect(), owner_connect()
    blocked = threading.Thread(
        target=lambda: waiter.execute("UPDATE listings SET beds = 3 WHERE id = %s", [listing.pk])
    )
    try:
        holder.execute("SELECT id FROM listings WHERE id = %s FOR UPDATE", [listing.pk])
        blocked.start()
        for _ in range(50):
            locks = [
                row for row in run_json("locks") if row["blocked_pid"] == waiter.info.backend_pid
            ]
            if locks:
                break
            time.sleep(0.1)

        [lock] = locks
        assert lock["blocking_pid"] == holder.info.backend_pid
        assert lock["blocked_user"] == lock["blocking_user"] == connection.settings_dict["USER"]
        assert lock["blocked_query"].startswith("UPDATE listings SET beds = 3")
        assert "FOR UPDATE" in lock["blocking_query"]
        assert lock["waiting"]
        assert str(waiter.info.backend_pid) in run("locks")
    finally:
        holder.rollback()
        blocked.join(timeout=10)
        waiter.rollback()
        holder.close()
        waiter.close()
