"""Database inspection for developers and on-call staff: readable tables or --json.

    dbinfo tables | indexes | sequences | stats <table> | slow-queries [--limit N]
    dbinfo locks | connections

Runs as the owner (catalog views show other sessions' queries only to privileged roles)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from apps.core.db.roles import as_owner

QUERIES = {
    "tables": """
        SELECT c.relname AS table, c.reltuples::bigint AS rows_estimate,
               pg_size_pretty(pg_table_size(c.oid)) AS table_size,
               pg_size_pretty(pg_indexes_size(c.oid)) AS indexes_size,
               pg_size_pretty(pg_total_relation_size(c.oid)) AS total_size
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        ORDER BY pg_total_relation_size(c.oid) DESC""",
    "indexes": """
        SELECT s.relname AS table, s.indexrelname AS index,
               pg_size_pretty(pg_relation_size(s.indexrelid)) AS size, s.idx_scan AS scans,
               pg_get_indexdef(s.indexrelid) AS definition
        FROM pg_stat_user_indexes s WHERE s.schemaname = 'public'
        ORDER BY pg_relation_size(s.indexrelid) DESC""",
    "sequences": """
        SELECT sequencename AS sequence, last_value, increment_by, max_value
        FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename""",
    "stats": """
        SELECT attname AS column, n_distinct, correlation, null_frac
        FROM pg_stats WHERE schemaname = 'public' AND tablename = %s ORDER BY attname""",
    "slow-queries": """
        SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 120) AS query, calls,
               round(total_exec_time::numeric, 1) AS total_ms,
               round(mean_exec_time::numeric, 2) AS mean_ms,
               round(stddev_exec_time::numeric, 2) AS stddev_ms, rows
        FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT %s""",
    "locks": """
        SELECT blocked.pid AS blocked_pid, blocked.usename AS blocked_user,
               blocking.pid AS blocking_pid, blocking.usename AS blocking_user,
               now() - blocked.query_start AS waiting,
               left(blocked.query, 100) AS blocked_query,
               left(blocking.query, 100) AS blocking_query
        FROM pg_stat_activity blocked
        JOIN LATERAL unnest(pg_blocking_pids(blocked.pid)) AS b(pid) ON true
        JOIN pg_stat_activity blocking ON blocking.pid = b.pid
        ORDER BY waiting DESC""",
    "connections": """
        SELECT coalesce(state, 'background') AS state, application_name AS application,
               usename AS user, count(*) AS connections
        FROM pg_stat_activity WHERE datname = current_database()
        GROUP BY 1, 2, 3 ORDER BY connections DESC""",
}

ENABLE_PG_STAT_STATEMENTS = (
    "pg_stat_statements is not available. Enable it: add shared_preload_libraries = "
    "'pg_stat_statements' to postgresql.conf (docker-compose.yml does), restart PostgreSQL, "
    "then run as a superuser: CREATE EXTENSION pg_stat_statements;"
)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("subcommand", choices=sorted(QUERIES))
        parser.add_argument("table", nargs="?", help="For `stats`: the table")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, subcommand, table, limit, json: bool, **options):
        params = []
        if subcommand == "stats":
            if not table:
                raise CommandError("dbinfo stats needs a table name.")
            params = [table]
        if subcommand == "slow-queries":
            params = [limit]
        with as_owner(), connection.cursor() as cursor:
            if subcommand == "slow-queries" and not self._has_pg_stat_statements(cursor):
                self.stdout.write(ENABLE_PG_STAT_STATEMENTS)
                return
            cursor.execute(QUERIES[subcommand], params)
            columns = [c.name for c in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        if json:
            self.stdout.write(_dumps(rows))
        else:
            self.stdout.write(table_text(columns, rows) if rows else f"(no {subcommand})")

    @staticmethod
    def _has_pg_stat_statements(cursor) -> bool:
        cursor.execute("SELECT to_regclass('pg_stat_statements') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return False
        try:
            cursor.execute("SELECT 1 FROM pg_stat_statements LIMIT 1")
        except Exception:  # noqa: BLE001 — extension created but library not preloaded
            connection.close()
            return False
        return True


def _dumps(rows) -> str:
    return json.dumps(rows, cls=DjangoJSONEncoder, indent=2)


def table_text(columns, rows) -> str:
    cells = [[str(row[c]) if row[c] is not None else "" for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([line, rule, *body])
