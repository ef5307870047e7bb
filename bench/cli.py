"""`python -m bench` (and `make bench BENCH_ARGS=...`): its arguments, then the run and the
report."""

from __future__ import annotations

import argparse
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
    return parser


def command(argv: list[str]) -> str:
    """The command line the report names, as one would type it again."""
    return f"make bench BENCH_ARGS={shlex.quote(shlex.join(argv))}" if argv else "make bench"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    print(report.write(run(args, command(argv))))
