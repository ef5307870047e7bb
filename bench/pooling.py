"""How the API's connections reach PostgreSQL, compared under the same load: gunicorn's gthread
workers (config/gunicorn.conf.py) serving the same requests with

* `persistent` — a connection per thread kept `CONN_MAX_AGE` (60 s) seconds: the default;
* `pool` — Django's psycopg pool (`OPTIONS["pool"]`, DB_POOL_SIZE = threads per worker);
* `pgbouncer` — through Debian's PgBouncer in transaction mode (DATABASE_TRANSACTION_POOLING:
  each transaction switches role), client connections kept 60 s, PgBouncer holding
  `--pgbouncer-pool` server connections for all workers together;
* `per_request` — a new connection per request (CONN_MAX_AGE = 0), the floor.

Each figure: req/s, p50/p99 (wrk), and the server connections PostgreSQL saw for the database
while it ran. `python -m bench.pooling` runs it alone on an existing bench database; `make bench`
runs it on the small database.
"""

from __future__ import annotations

import argparse
import subprocess
import threading
import time
from urllib.parse import urlsplit

from bench import load
from bench.environment import RESULTS, base_url, psql, say, with_db
from bench.pgbouncer import login_role, pgbouncer
from bench.servers import api_server, servers, worker_config

MODES = ("persistent", "pool", "pgbouncer", "per_request")
SCENARIOS = ("detail", "search_city")
THREADS = 4


def _direct(url: str) -> dict:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password,
        "dbname": parts.path.lstrip("/"),
    }


def _backends(url: str, stop: threading.Event, seen: list[int]) -> None:
    """The most client backends PostgreSQL had for the database while the load ran."""
    database = _direct(url)["dbname"]
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
        f"AND datname = '{database}' AND pid <> pg_backend_pid()"
    )
    while not stop.wait(0.5):
        seen.append(int(psql(url, query)))


def measure_mode(mode: str, url: str, urls: dict, args, bouncer=None) -> dict:
    env = {"GUNICORN_THREADS": str(THREADS), "CONN_MAX_AGE": "60"}
    database_url = url
    if mode == "pool":
        env.update(DB_POOL_SIZE=str(THREADS))
    elif mode == "per_request":
        env.update(CONN_MAX_AGE="0")
    elif mode == "pgbouncer":
        database_url = bouncer.url(_direct(url)["dbname"])
        env.update(DATABASE_TRANSACTION_POOLING="1", MIGRATION_DATABASE_URL=url)
    server = api_server(database_url, args.workers, args.ports)
    server.env.update(env)
    figures = {"gunicorn": worker_config(server)}
    with servers(server, None):
        for name in SCENARIOS:
            stop, seen = threading.Event(), []
            watcher = threading.Thread(target=_backends, args=(url, stop, seen))
            watcher.start()
            try:
                figure = load.measure(
                    server.url + urls[name], args.duration, args.connections, database=url
                )
            finally:
                stop.set()
                watcher.join()
            figure["server_connections"] = max(seen, default=0)
            figures[name] = figure
            say(
                f"pooling {mode} {name}: {figure['rps']:.0f} req/s, p50 {figure['p50_ms']} ms, "
                f"p99 {figure['p99_ms']} ms, {figure['server_connections']} server connections"
            )
    return figures


def compare(url: str, urls: dict, args) -> dict:
    """Every mode on the database `url`, scenarios `urls` (bench.capture's)."""
    direct = _direct(url)
    result = {
        "database": direct["dbname"],
        "threads": THREADS,
        "workers": args.workers,
        "pgbouncer_pool": args.pgbouncer_pool,
        "modes": {},
    }
    login = f"{direct['dbname']}_login"[:63]
    with (
        login_role(direct, login) as login,
        pgbouncer(direct, login=login, pool_size=args.pgbouncer_pool, server_lifetime=3600) as b,
    ):
        for mode in MODES:
            result["modes"][mode] = measure_mode(mode, url, urls, args, bouncer=b)
            time.sleep(2)
    return result


def table(result: dict) -> str:
    """The figures side by side (README.md's Performance section)."""
    lines = [
        f"Connection handling, {result['workers']} gthread workers × {result['threads']} "
        f"threads; PgBouncer: {result['pgbouncer_pool']} server connections "
        f"(database {result['database']}).",
        "",
        "| mode | " + " | ".join(f"{s} req/s | p50/p99 ms | conns" for s in SCENARIOS) + " |",
        "|---|" + "---:|---:|---:|" * len(SCENARIOS),
    ]
    for mode, figures in result["modes"].items():
        cells = []
        for name in SCENARIOS:
            f = figures[name]
            errors = f" ({f['non_2xx']} non-2xx)" if f["non_2xx"] else ""
            cells.append(
                f"{f['rps']:.0f}{errors} | {f['p50_ms']}/{f['p99_ms']} | {f['server_connections']}"
            )
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    import json

    from bench.run import capture

    parser = argparse.ArgumentParser(prog="python -m bench.pooling", description=__doc__)
    parser.add_argument("--database", required=True, help="a bench database (make bench built)")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--pgbouncer-pool", type=int, default=8)
    parser.add_argument("--ports", default=None)
    args = parser.parse_args()
    url = with_db(base_url(), args.database)
    RESULTS.mkdir(parents=True, exist_ok=True)
    captured = capture(url, f"pooling-{args.database}")
    result = compare(url, captured["urls"], args)
    (RESULTS / f"pooling-{args.database}.json").write_text(json.dumps(result, indent=2))
    print(table(result))


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as exc:
        raise SystemExit(exc.returncode) from exc
