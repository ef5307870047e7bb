"""The load: wrk against one URL, its output read into req/s, p50/p99 and status counts, and
the pauses that keep one measurement's backlog out of the next."""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.environment import ROOT, psql

_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, duration: int, connections: int, script: str | None = None) -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if script:
        args += ["-s", script]
    return read_wrk(subprocess.run(args + [url], check=True, text=True, capture_output=True).stdout)


def read_wrk(out: str) -> dict:
    """wrk's report (with --latency, and post_booking.lua's `status NNN: N` lines)."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: float(v) * _UNITS[u] for p, v, u in _LATENCY.findall(out)}
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    statuses = dict(re.findall(r"status (\d{3}): (\d+)", out))
    return {
        "rps": rps,
        "p50_ms": latency.get("50"),
        "p99_ms": latency.get("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "statuses": {k: int(v) for k, v in statuses.items()},
    }


def drain(url: str, seconds: int = 120, database: str | None = None) -> None:
    """Wait until requests queued by a slow scenario are served, so that they do not weigh on
    the next measurement (wrk stops sending, gunicorn keeps answering its backlog) — and, given
    the `database`, until PostgreSQL has finished their queries too: a worker answers /health/
    quickly while the deep OFFSET queries it gave up on still run (seen: 3-4 s each, a booking
    p99 of 7.7 s right after them)."""
    base = url.split("/api/")[0].rstrip("/")
    deadline = time.time() + seconds
    fast = 0
    while time.time() < deadline and fast < 3:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(f"{base}/health/", timeout=10):
                pass
        except Exception:  # noqa: BLE001, S110 — raw app has no /health/: any answer will do
            pass
        fast = fast + 1 if time.perf_counter() - started < 0.2 else 0
        time.sleep(0.2)
    idle = 0
    while database and time.time() < deadline and idle < 3:
        idle = idle + 1 if active_queries(database) == 0 else 0
        time.sleep(0.2)


def active_queries(database: str) -> int:
    """Queries running in the database, other than this look."""
    return int(
        psql(
            database,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state = 'active' AND pid <> pg_backend_pid()",
        )
    )


def measure(
    url: str,
    duration: int,
    connections: int,
    script: str | None = None,
    database: str | None = None,
) -> dict:
    drain(url, database=database)
    wrk(url, 2, connections, script)  # warm-up: connections, caches, plans
    drain(url, database=database)
    return wrk(url, duration, connections, script)


def bookings_under_load(
    api: str, captured: dict, duration: int, database: str | None = None
) -> dict:
    """16 clients posting bookings for the same 200 listings, as 400 guests: 201s and 409s,
    never a 5xx. After a drain (of the servers and of PostgreSQL): the last search figure's
    backlog is not measured as booking latency."""
    drain(f"{api}/api/v1/bookings/", database=database)
    ids = captured["booking_listing_ids"]
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        (ROOT / "bench" / "post_booking.lua").read_text()
        .replace("__TOKENS__", ",".join(f'"{token}"' for token in captured["tokens"]))
        .replace("__IDS__", ",".join(map(str, ids)))
    )  # fmt: skip
    try:
        return wrk(f"{api}/api/v1/bookings/", duration, 16, str(script))
    finally:
        script.unlink()
