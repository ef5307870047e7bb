"""Bulk loading through PostgreSQL COPY, the way pg_restore does it.

Inside one transaction: drop the secondary indexes and the foreign-key, unique and exclusion
constraints of the tables being loaded, disable their user triggers, COPY the rows, then
rebuild every index and re-add every constraint — which re-validates all the loaded rows at
once (an exclusion constraint re-added proves no two bookings overlap) — and re-enable the
triggers. If anything fails, the transaction rolls back and the tables are as they were.

It needs the owner's rights (ALTER TABLE) and a role that bypasses row-level security
(COPY FROM refuses tables with RLS otherwise): callers run it inside `as_owner()`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from psycopg import sql

_CONSTRAINTS_SQL = """
SELECT c.conname, c.conrelid::regclass::text, pg_get_constraintdef(c.oid), c.contype
FROM pg_constraint c
WHERE c.conrelid = ANY (%s::regclass[]) AND c.contype IN ('f', 'u', 'x')
ORDER BY CASE c.contype WHEN 'f' THEN 1 ELSE 0 END, c.conname
"""

# Indexes that no constraint owns (constraint indexes come back with their constraint).
_INDEXES_SQL = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = ANY (%s::regclass[])
  AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
"""

# Foreign keys of other tables that point at the loaded ones must go too while they change.
_REFERENCING_SQL = """
SELECT c.conname, c.conrelid::regclass::text, pg_get_constraintdef(c.oid), c.contype
FROM pg_constraint c
WHERE c.confrelid = ANY (%s::regclass[]) AND c.contype = 'f'
  AND NOT (c.conrelid = ANY (%s::regclass[]))
"""


@dataclass
class Progress:
    """A one-line progress bar with rows per second, on stderr."""

    label: str
    total: int | None = None
    stream: object = sys.stderr
    enabled: bool = True
    count: int = 0
    started: float = field(default_factory=time.perf_counter)
    elapsed: float = 0.0
    _last: float = 0.0

    def advance(self, n: int = 1) -> None:
        self.count += n
        now = time.perf_counter()
        if self.enabled and now - self._last >= 0.5:
            self._last = now
            self._draw(now)

    def _draw(self, now: float, end: str = "") -> None:
        rate = self.count / max(now - self.started, 1e-9)
        if self.total:
            done = self.count / self.total
            bar = "#" * int(done * 30)
            text = (
                f"{self.label:<18} [{bar:<30}] {self.count:>10,}/{self.total:,} "
                f"{rate:>9,.0f} rows/s"
            )
        else:
            text = f"{self.label:<18} {self.count:>10,} rows {rate:>9,.0f} rows/s"
        self.stream.write(f"\r{text}{end}")
        self.stream.flush()

    def finish(self) -> float:
        now = time.perf_counter()
        self.elapsed = now - self.started
        if self.enabled:
            self._draw(now, end="\n")
        return self.count / max(self.elapsed, 1e-9)


@contextmanager
def bulk_load_mode(cursor, tables: Sequence[str]) -> Iterator[None]:
    """Strip `tables` down to their primary keys for the block, then restore everything."""
    names = list(tables)
    cursor.execute(_CONSTRAINTS_SQL, [names])
    constraints = cursor.fetchall()
    cursor.execute(_REFERENCING_SQL, [names, names])
    constraints += cursor.fetchall()
    cursor.execute(_INDEXES_SQL, [names])
    indexes = cursor.fetchall()

    for name, table, _definition, _kind in reversed(constraints):
        cursor.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.SQL(table), sql.Identifier(name)
            )
        )
    for name, _definition in indexes:
        cursor.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(name)))
    for table in names:
        cursor.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.SQL(table)))

    yield

    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for _name, definition in indexes:
        cursor.execute(definition)
    # Unique and exclusion constraints first (foreign keys may need their indexes).
    for name, table, definition, _kind in constraints:
        cursor.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.SQL(table), sql.Identifier(name), sql.SQL(definition)
            )
        )
    for table in names:
        cursor.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.SQL(table)))


def copy_rows(
    cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence], progress: Progress
) -> int:
    """Stream `rows` into `table` with COPY; returns how many were written."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    written = 0
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
            if written % 5000 == 0:
                progress.advance(5000)
    progress.advance(written % 5000)
    progress.finish()
    return written


def reset_sequences(cursor, tables: Iterable[str]) -> None:
    """Move each table's id sequence past its largest id, so the next INSERT works."""
    for table in tables:
        cursor.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({table_literal}, 'id'), "
                "coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            ).format(table_literal=sql.Literal(table), table=sql.Identifier(table))
        )
