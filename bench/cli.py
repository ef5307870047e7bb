"""`python -m bench` (and `make bench BENCH_ARGS=...`): its arguments, then the run and the
report."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys

import bench
from bench import report
from bench.run import run


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=bench.__doc__)
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per server")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the databases")
    parser.add_argument("--skip-backup", action="store_true")
    parser.add_argument(
        "--skip-pooling", action="store_true", help="no persistent/pool/PgBouncer comparison"
    )
    parser.add_argument(
        "--pgbouncer-pool",
        type=int,
        default=8,
        help="PgBouncer's server connections in the pooling comparison (all workers together)",
    )
    # Two checkouts bench side by side with their own databases and ports.
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE", "havre_bench"),
        help="the big database, on DATABASE_URL's server (env BENCH_DATABASE)",
    )
    parser.add_argument(
        "--small-database",
        default=os.environ.get("BENCH_SMALL_DATABASE", "havre_bench_small"),
        help="the small database (env BENCH_SMALL_DATABASE)",
    )
    parser.add_argument(
        "--ports",
        type=port_range,
        default=port_range(os.environ["BENCH_PORTS"]) if os.environ.get("BENCH_PORTS") else None,
        help="FIRST-LAST: the servers' loopback ports (env BENCH_PORTS; default: any free port)",
    )
    parser.add_argument(
        "--only",
        type=lambda value: [pattern for pattern in value.split(",") if pattern],
        default=None,
        help="a focused run: only the scenarios matching these comma-separated patterns "
        "(fnmatch, e.g. 'q_*'), on both databases; no bookings, backup or bulk update",
    )
    return parser


def port_range(value: str) -> range:
    """ "8180-8189" (inclusive) as a range of ports."""
    try:
        first, last = (int(part) for part in value.split("-"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not FIRST-LAST") from exc
    if not 1024 <= first <= last <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r}: ports between 1024 and 65535, in order")
    return range(first, last + 1)


def command(argv: list[str]) -> str:
    """The command line the report names, as one would type it again."""
    return f"make bench BENCH_ARGS={shlex.quote(shlex.join(argv))}" if argv else "make bench"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    print(report.write(run(args, command(argv))))
