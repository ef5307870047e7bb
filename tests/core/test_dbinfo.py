import json
import threading
import time

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("dbinfo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    call_command("seed")


def test_tables_indexes_sequences_and_connections(seeded):
    tables = json.loads(run("tables", "--json"))
    assert {"listings", "bookings", "audit_logs"} <= {row["table"] for row in tables}
    assert {"rows_estimate", "table_size", "indexes_size", "total_size"} <= set(tables[0])

    assert "listings_search_gin_idx" in run("indexes")
    indexes = json.loads(run("indexes", "--json"))
    assert {"definition", "size", "scans"} <= set(indexes[0])

    assert "listings_id_seq" in run("sequences")
    assert json.loads(run("connections", "--json"))


def test_stats_of_a_table(seeded):
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("ANALYZE listings")
    stats = json.loads(run("stats", "listings", "--json"))
    assert {"column", "n_distinct", "correlation"} <= set(stats[0])
    assert "city" in {row["column"] for row in stats}


def test_slow_queries_reports_or_explains_how_to_enable(seeded):
    out = run("slow-queries", "--limit", "5")
    assert "pg_stat_statements" in out or "total_ms" in out


def test_locks_shows_a_really_blocked_session(seeded):
    with db_context(DbContext.system("tests")):
        listing = ListingFactory()
    params = connection.settings_dict
    conninfo = dict(
        dbname=params["NAME"], user=params["USER"], host=params["HOST"], port=params["PORT"] or 5432
    )
    holder = psycopg.connect(**conninfo)
    waiter = psycopg.connect(**conninfo)
    try:
        holder.execute("SELECT id FROM listings WHERE id = %s FOR UPDATE", [listing.pk])
        blocked = threading.Thread(
            target=lambda: waiter.execute(
                "UPDATE listings SET beds = 3 WHERE id = %s", [listing.pk]
            )
        )
        blocked.start()
        for _ in range(50):
            locks = json.loads(run("locks", "--json"))
            if locks:
                break
            time.sleep(0.1)
        assert locks[0]["blocked_pid"] == waiter.info.backend_pid
        assert locks[0]["blocking_pid"] == holder.info.backend_pid
        assert "UPDATE listings" in locks[0]["blocked_query"]
    finally:
        holder.rollback()
        blocked.join(timeout=10)
        waiter.rollback()
        holder.close()
        waiter.close()
