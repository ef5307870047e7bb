"""One run of the bench, from databases to figures: what `python -m bench` does between parsing
its arguments and writing the report."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import resource
import subprocess
from pathlib import Path

from bench import backup, databases, figures, load, pooling
from bench.environment import (
    PYTHON,
    RESULTS,
    ROOT,
    base_url,
    bench_script,
    django_env,
    say,
    with_db,
)
from bench.servers import api_server, raw_server, servers, worker_config


def run(args, command: str) -> dict:
    RESULTS.mkdir(parents=True, exist_ok=True)
    base = base_url()
    big_url = with_db(base, args.database)
    small_url = with_db(base, args.small_database)
    result: dict = {
        "started_at": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            text=True,
            capture_output=True,
        ).stdout.strip(),
        "listings": args.listings,
        "machine": {"cpus": os.cpu_count()},
        "figures": {},
        "setup": {
            "command": command,
            "wrk": {"connections": args.connections, "seconds": args.duration},
            "gunicorn": {},
        },
    }
    if args.only:
        result["setup"]["only"] = args.only

    result["seed"] = databases.prepare_database(big_url, args.listings, args.rebuild)
    result["seed_small"] = databases.prepare_database(small_url, args.small, args.rebuild)
    result["setup"]["postgres"] = databases.postgres_settings(big_url)
    if not result["seed"]["reused"] and not args.only:
        figures.summarise_seed(
            result, databases.copy_baseline(big_url, min(args.listings, 200_000))
        )

    for label, url in (("big", big_url), ("small", small_url)):
        serve_and_measure(url, label, args, result)
    if not args.skip_pooling and not args.only:
        # Persistent connections vs Django's pool vs PgBouncer (bench.pooling), on the small
        # database: the connection handling, not the queries, is what differs.
        urls = json.loads((RESULTS / "scenarios-small.json").read_text())["urls"]
        result["pooling"] = pooling.compare(small_url, urls, args)
    figures.summarise(result)
    if not args.skip_backup and not args.only:
        result["backup"] = backup.backup_vs_raw(big_url)
        figures.summarise_backup(result)
    if not args.only:
        result["bulk_update"] = json.loads(bench_script(big_url, "bulk_update"))
        figures.summarise_bulk(result)
    result["finished_at"] = dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds")
    result["bench_peak_memory_mb"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    )
    return result


# The scenarios measured on the small database too, besides the full-text shapes.
SIZE_COMPARED = ("search_city", "search_radius")


def scenario_names(captured: dict, label: str, only: list[str] | None) -> list[str]:
    """Every scenario on the big database; the city search, the radius search and the
    full-text shapes on the small one (their figures compare the two sizes); with --only,
    those matching it."""
    names = [
        name
        for name in captured["urls"]
        if label == "big" or name in SIZE_COMPARED or name.startswith("q_")
    ]
    if only:
        names = [name for name in names if any(fnmatch.fnmatch(name, p) for p in only)]
    return names


def serve_and_measure(url: str, label: str, args, result: dict) -> None:
    """Every scenario (the big database) or the size-compared ones (the small one), through
    the API and through the raw replay of its SQL; on the big one, bookings under load too."""
    captured = capture(url, label)
    api = api_server(url, args.workers, args.ports)
    raw = raw_server(url, RESULTS / f"raw-{label}.json", args.workers, args.ports)
    # The same commands for both databases: what gunicorn resolves is recorded once per run.
    result["setup"]["gunicorn"] = {"api": worker_config(api), "raw": worker_config(raw)}
    with servers(api, raw):
        names = scenario_names(captured, label, args.only)
        measured = {}
        for name in names:
            measured[name] = {
                "api": load.measure(
                    api.url + captured["urls"][name],
                    args.duration,
                    args.connections,
                    database=url,
                ),
                "raw": load.measure(
                    f"{raw.url}/{name}", args.duration, args.connections, database=url
                ),
            }
            say(f"{label} {name}: api {measured[name]['api']['rps']:.0f} req/s, "
                f"raw {measured[name]['raw']['rps']:.0f} req/s")  # fmt: skip
        result[f"http_{label}"] = measured
        if label == "big" and not args.only:
            result["booking"] = load.bookings_under_load(
                api.url, captured, args.duration, database=url
            )


def capture(url: str, label: str, results: Path = RESULTS) -> dict:
    """The API's SQL per scenario (bench.capture), and raw-<label>.json for the raw replay."""
    scenarios_file = results / f"scenarios-{label}.json"
    subprocess.run(
        [PYTHON, "-m", "bench.capture", str(scenarios_file)],
        cwd=ROOT, env=django_env(url), check=True,
    )  # fmt: skip
    captured = json.loads(scenarios_file.read_text())
    (results / f"raw-{label}.json").write_text(json.dumps(captured["scenarios"]))
    return captured
