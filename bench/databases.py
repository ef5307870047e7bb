"""The bench's databases: built with `seed --scale` or reused, and the seeder's raw baseline (a
bare COPY of the same tuples)."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from bench.environment import bench_script, manage, psql, say, with_db


def prepare_database(url: str, listings: int, rebuild: bool) -> dict:
    name = urlsplit(url).path.lstrip("/")
    admin = with_db(url, "postgres")
    exists = psql(admin, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
    if exists and not rebuild:
        have = int(psql(url, "SELECT count(*) FROM listings") or 0)
        if have >= listings:
            say(f"reusing {name} ({have:,} listings); applying new migrations")
            manage(url, "migrate", "--noinput", "-v0")
            vacuum(url)
            return {"reused": True}
    if exists:
        psql(admin, f'DROP DATABASE "{name}" WITH (FORCE)')
    psql(admin, f'CREATE DATABASE "{name}"')
    say(f"building {name}: migrate, seed, seed --scale {listings:,}")
    manage(url, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    output = manage(url, "seed", "--scale", str(listings), "--no-progress", "--force", capture=True)
    seconds = time.perf_counter() - started
    print(output)
    vacuum(url)
    match = re.search(r"listings at ([\d,]+) rows/s; peak memory (\d+) MB", output)
    return {
        "reused": False,
        "seed_seconds": round(seconds, 1),
        "seed_listing_rows_per_s": int(match.group(1).replace(",", "")) if match else None,
        "seed_peak_memory_mb": int(match.group(2)) if match else None,
    }


def vacuum(url: str) -> None:
    """VACUUM (ANALYZE) the database, as autovacuum would have by the time a production
    database of that size serves: seed --scale only analyzes, and without the visibility map
    an index-only scan reads the heap anyway (deep pages, size comparisons). Outside the
    seed figure's time."""
    say("vacuuming (analyze)")
    psql(url, "VACUUM (ANALYZE)")


def copy_baseline(url: str, rows: int) -> float:
    """Rows/s of a bare psycopg COPY of the same listing tuples (same generator) into a
    table with the same columns and nothing else: no index, constraint, trigger or
    generated column."""
    return float(bench_script(url, "copy_baseline", str(rows)))


def postgres_settings(url: str) -> dict:
    """What the report says of the server: its major version, shared_buffers, and which of the
    settings that weigh on these figures differ from PostgreSQL's defaults."""
    version, shared_buffers, changed = psql(
        url,
        "SELECT current_setting('server_version_num')::int / 10000, "
        "current_setting('shared_buffers'), coalesce(string_agg(name || ' = ' || setting, ', '"
        " ORDER BY name), '') FROM pg_settings WHERE name IN ("
        + ", ".join(f"'{name}'" for name in TUNABLE_SETTINGS)
        + ") AND setting IS DISTINCT FROM boot_val",
    ).split("|")
    return {
        "version": int(version),
        "shared_buffers": shared_buffers,
        "changed": changed.split(", ") if changed else [],
    }


# The settings whose change would move the figures (memory, planner, parallelism, durability).
TUNABLE_SETTINGS = (
    "autovacuum", "effective_cache_size", "fsync", "jit", "maintenance_work_mem",
    "max_connections", "max_parallel_workers_per_gather", "random_page_cost", "shared_buffers",
    "synchronous_commit", "work_mem",
)  # fmt: skip
