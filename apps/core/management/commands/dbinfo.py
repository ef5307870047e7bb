"""Database inspection for developers and on-call staff: a readable table, or --json.

    dbinfo tables          rows (estimate), table / indexes / total size
    dbinfo indexes         definition, size, scans since the statistics were reset
    dbinfo sequences       last value, increment, maximum
    dbinfo stats <table>   pg_stats per column: n_distinct, correlation, null fraction
    dbinfo slow-queries [--limit N]   top N by total time (pg_stat_statements; says how to
                           enable it where it is not, and exits 0)
    dbinfo locks           blocked and blocking sessions (pg_blocking_pids), users, queries,
                           waiting time
    dbinfo connections     connections to this database by state, application and user
    dbinfo shard-readiness [--schema S] [--column C]
                           what blocks distributing the tables that have the tenant column
                           (default tenant_id) with Citus, from the catalog: each table's
                           role (distributed, needs the column, reference, local), then every
                           primary key, unique index, exclusion constraint and foreign key
                           that lacks the column (blocker), every trigger and policy that
                           reaches other tables (colocation) and generated ids (note); the
                           plan for each item is docs/scaling.md. Exit status: 0 when nothing
                           blocks, 3 when blockers are listed (1: the command failed)

Runs as the owner (as_owner()): app_user may not read pg_stats of tables it cannot see, and
pg_stat_activity / pg_stat_statements show other roles' queries only to superusers and members
of pg_read_all_stats (grant it to the owner in production: GRANT pg_read_all_stats TO
havre_owner; otherwise their query texts read "<insufficient privilege>")."""

import json

from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import OperationalError, ProgrammingError, connection, transaction

from apps.core.db import shard_readiness
from apps.core.db.roles import as_owner
from apps.core.management.base import BaseCommand

QUERIES = {
    "tables": """
        SELECT c.relname AS table,
               (CASE WHEN c.reltuples < 0 THEN s.n_live_tup ELSE c.reltuples END)::bigint
                   AS rows_estimate,
               pg_size_pretty(pg_table_size(c.oid)) AS table_size,
               pg_size_pretty(pg_indexes_size(c.oid)) AS indexes_size,
               pg_size_pretty(pg_total_relation_size(c.oid)) AS total_size
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
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
        FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC LIMIT %s""",
    "locks": """
        SELECT blocked.pid AS blocked_pid, blocked.usename AS blocked_user,
               blocking.pid AS blocking_pid, blocking.usename AS blocking_user,
               now() - blocked.query_start AS waiting,
               left(blocked.query, 100) AS blocked_query,
               left(blocking.query, 100) AS blocking_query
        FROM pg_stat_activity blocked
        JOIN LATERAL unnest(pg_blocking_pids(blocked.pid)) AS b(pid) ON true
        JOIN pg_stat_activity blocking ON blocking.pid = b.pid
        WHERE blocked.datname = current_database()
        ORDER BY waiting DESC""",
    "connections": """
        SELECT coalesce(state, 'background') AS state, application_name AS application,
               usename AS user, count(*) AS connections
        FROM pg_stat_activity WHERE datname = current_database()
        GROUP BY 1, 2, 3 ORDER BY connections DESC""",
}

SHARD_READINESS = "shard-readiness"
BLOCKED = 3  # dbinfo shard-readiness's exit status when something blocks distribution

NOT_INSTALLED = (
    "pg_stat_statements is not installed in this database. As a superuser: "
    "CREATE EXTENSION pg_stat_statements; (migration core.0005 does it where allowed)."
)
NOT_LOADED = (
    "pg_stat_statements is installed but not loaded. Add shared_preload_libraries = "
    "'pg_stat_statements' to postgresql.conf (docker-compose.yml does: `-c "
    "shared_preload_libraries=pg_stat_statements`) and restart PostgreSQL."
)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("subcommand", choices=sorted([*QUERIES, SHARD_READINESS]))
        parser.add_argument("table", nargs="?", help="For `stats`: the table")
        parser.add_argument("--limit", type=int, default=10, help="For `slow-queries`: top N")
        parser.add_argument("--json", action="store_true", help="JSON instead of a table")
        parser.add_argument(
            "--schema", default="public", help="For `shard-readiness`: the schema to read"
        )
        parser.add_argument(
            "--column", default="tenant_id", help="For `shard-readiness`: the distribution column"
        )

    def handle(self, *args, subcommand, table, limit, json: bool, **options):
        if subcommand == SHARD_READINESS:
            if table:
                raise CommandError(f"dbinfo {subcommand} takes no table name.")
            return self.shard_readiness(
                schema=options["schema"], column=options["column"], json=json
            )
        params = []
        if subcommand == "stats":
            if not table:
                raise CommandError("dbinfo stats needs a table name: dbinfo stats listings")
            params = [table]
        elif table:
            raise CommandError(f"dbinfo {subcommand} takes no table name.")
        if subcommand == "slow-queries":
            params = [limit]
        with as_owner():
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(QUERIES[subcommand], params)
                    columns = [c.name for c in cursor.description]
                    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            except ProgrammingError as exc:
                # Only slow-queries reads an optional extension; anything else is a real error.
                if subcommand != "slow-queries":
                    raise
                self.stdout.write(NOT_INSTALLED if _missing(exc) else NOT_LOADED)
                return
            except OperationalError as exc:
                if subcommand != "slow-queries" or "shared_preload_libraries" not in str(exc):
                    raise
                self.stdout.write(NOT_LOADED)
                return
        if json:
            self.stdout.write(_dumps(rows))
        elif rows:
            self.stdout.write(table_text(columns, rows))
        elif subcommand == "stats":
            self.stdout.write(f"(no statistics for {table}: does it exist? run ANALYZE {table})")
        else:
            self.stdout.write(f"(no {subcommand})")

    def shard_readiness(self, *, schema: str, column: str, json: bool):
        with as_owner(), transaction.atomic(), connection.cursor() as cursor:
            report = shard_readiness.analyse(cursor, schema=schema, column=column)
        if not report.tables:
            raise CommandError(f"dbinfo shard-readiness: no table in schema {schema!r}.")
        if json:
            self.stdout.write(_dumps(report.as_dict()))
        else:
            self.stdout.write(readiness_text(report))
        if report.blockers:
            raise CommandError(
                f"{len(report.blockers)} item(s) block distributing by {column}",
                returncode=BLOCKED,
            )


def readiness_text(report: shard_readiness.Report) -> str:
    """The tables by role, then each table's items, one line each."""
    roles = [{"table": t, "role": r} for t, r in report.tables.items()]
    counts = report.as_dict()["counts"]
    lines = [
        f"Tables of schema {report.schema} by role (distribution column {report.column}):",
        "",
        table_text(["table", "role"], roles),
        "",
        "Items: " + ", ".join(f"{n} {severity}" for severity, n in counts.items()),
    ]
    by_table: dict[str, list] = {}
    for item in report.items:
        by_table.setdefault(item.table, []).append(item)
    for table in sorted(by_table):
        lines += ["", f"{table} ({report.tables[table]})"]
        lines += [
            f"  {item.severity:<10}  {item.kind}: {item.object} — {item.detail}"
            for item in by_table[table]
        ]
    return "\n".join(lines)


def _missing(exc: Exception) -> bool:
    return "pg_stat_statements" in str(exc) and "does not exist" in str(exc)


def _dumps(rows) -> str:
    return json.dumps(rows, cls=DjangoJSONEncoder, indent=2)


def table_text(columns, rows) -> str:
    cells = [[str(row[c]) if row[c] is not None else "" for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([line, rule, *body])
