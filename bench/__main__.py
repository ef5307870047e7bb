"""Havre's benchmark: every figure beside its raw baseline, measured in the same run.

    python -m bench [--listings 1000000] [--small 10000] [--duration 8] [--connections 16]

Builds (or reuses) a scaled database, starts gunicorn with the production settings on
loopback next to a raw-psycopg WSGI endpoint that replays the API's exact SQL, drives both
with wrk, and writes bench/results/<timestamp>.json and .md (and prints the table).
Absolute numbers on a shared 2-core machine mean little: read the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
API_PORT, RAW_PORT = 8765, 8766


# --- environment ----------------------------------------------------------------------------


def base_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url and (ROOT / ".env").is_file():
        for line in (ROOT / ".env").read_text().splitlines():
            if line.startswith("DATABASE_URL="):
                url = line.split("=", 1)[1].strip()
    return url or "postgres://postgres@127.0.0.1:5432/havre"


def with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def django_env(database_url: str, **extra) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        # Throttling stays on, out of reach: per-second windows keep DRF's per-client history
        # (a list of timestamps, read and written on every request) as short as production's
        # rates do, instead of a minute of benchmark traffic.
        "THROTTLE_ANON": "1000000/s",
        "THROTTLE_USER": "1000000/s",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def manage(database_url: str, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=django_env(database_url),
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def psql(url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", url, "-Atqc", sql],
        check=True,
        text=True,
        capture_output=True,
    ).stdout.strip()


def say(text: str) -> None:
    print(f"[bench] {text}", flush=True)


# --- data -----------------------------------------------------------------------------------


def prepare_database(url: str, listings: int, rebuild: bool) -> dict:
    name = urlsplit(url).path.lstrip("/")
    admin = with_db(url, "postgres")
    exists = psql(admin, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
    if exists and not rebuild:
        have = int(psql(url, "SELECT count(*) FROM listings") or 0)
        if have >= listings:
            say(f"reusing {name} ({have:,} listings); applying new migrations")
            manage(url, "migrate", "--noinput", "-v0")
            return {"reused": True}
    if exists:
        psql(admin, f'DROP DATABASE "{name}" WITH (FORCE)')
    psql(admin, f'CREATE DATABASE "{name}"')
    say(f"building {name}: migrate, seed, seed --scale {listings:,}")
    manage(url, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    output = manage(url, "seed", "--scale", str(listings), "--no-progress", capture=True)
    seconds = time.perf_counter() - started
    print(output)
    match = re.search(r"listings at ([\d,]+) rows/s; peak memory (\d+) MB", output)
    return {
        "reused": False,
        "seed_seconds": round(seconds, 1),
        "seed_listing_rows_per_s": int(match.group(1).replace(",", "")) if match else None,
        "seed_peak_memory_mb": int(match.group(2)) if match else None,
    }


def copy_baseline(url: str, rows: int) -> float:
    """Rows/s of a bare psycopg COPY of the same listing tuples (same generator) into a
    table with the same columns and nothing else: no index, constraint, trigger or
    generated column."""
    out = subprocess.run(
        [PYTHON, "-m", "bench.copy_baseline", str(rows)],
        cwd=ROOT,
        env=django_env(url),
        check=True,
        text=True,
        capture_output=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


# --- servers and load ------------------------------------------------------------------------


@contextmanager
def servers(url: str, scenarios_file: Path, workers: int):
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    common = ["--workers", str(workers), "--access-logfile", "-", "--log-level", "warning"]
    api = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "config.wsgi:application", "-c", "config/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{API_PORT}", *common],
        cwd=ROOT, env=django_env(url, GUNICORN_ACCESSLOG=""),
        stdout=subprocess.DEVNULL, stderr=open(logs / "api.log", "w"),
    )  # fmt: skip
    raw = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "bench.raw_app:application",
         "--bind", f"127.0.0.1:{RAW_PORT}", *common],
        cwd=ROOT,
        env={**os.environ, "BENCH_SCENARIOS": str(scenarios_file), "BENCH_DATABASE_URL": url,
             "BENCH_ROLE": "app_user", "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=open(logs / "raw.log", "w"),
    )  # fmt: skip
    try:
        for port, path in ((API_PORT, "/health/"), (RAW_PORT, "/detail")):
            wait_for(f"http://127.0.0.1:{port}{path}")
        yield
    finally:
        for process in (api, raw):
            process.send_signal(signal.SIGTERM)
        for process in (api, raw):
            process.wait(timeout=30)


def wait_for(url: str, seconds: int = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except Exception:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not come up; see bench/results/logs/")


_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, duration: int, connections: int, script: str | None = None) -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if script:
        args += ["-s", script]
    out = subprocess.run(args + [url], check=True, text=True, capture_output=True).stdout
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


def drain(url: str, seconds: int = 120) -> None:
    """Wait until requests queued by a slow scenario are served, so that they do not weigh on
    the next measurement (wrk stops sending, gunicorn keeps answering its backlog)."""
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


def measure(url: str, duration: int, connections: int, script: str | None = None) -> dict:
    drain(url)
    wrk(url, 2, connections, script)  # warm-up: connections, caches, plans
    drain(url)
    return wrk(url, duration, connections, script)


# --- the run --------------------------------------------------------------------------------


def run(args) -> dict:
    RESULTS.mkdir(parents=True, exist_ok=True)
    base = base_url()
    big_url = with_db(base, "havre_bench")
    small_url = with_db(base, "havre_bench_small")
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
    }
    figures = result["figures"]

    result["seed"] = prepare_database(big_url, args.listings, args.rebuild)
    result["seed_small"] = prepare_database(small_url, args.small, args.rebuild)
    if not result["seed"]["reused"]:
        bare = copy_baseline(big_url, min(args.listings, 200_000))
        seeded = result["seed"]["seed_listing_rows_per_s"]
        figures["seed_copy"] = {
            "label": "seed --scale: listing rows/s vs bare COPY of the same tuples",
            "value": seeded, "baseline": round(bare), "ratio": round(seeded / bare, 2),
            "target": ">= 0.5", "ok": seeded / bare >= 0.5,
        }  # fmt: skip

    for label, url in (("big", big_url), ("small", small_url)):
        scenarios_file = RESULTS / f"scenarios-{label}.json"
        subprocess.run(
            [PYTHON, "-m", "bench.capture", str(scenarios_file)],
            cwd=ROOT, env=django_env(url), check=True,
        )  # fmt: skip
        captured = json.loads(scenarios_file.read_text())
        (RESULTS / f"raw-{label}.json").write_text(json.dumps(captured["scenarios"]))
        with servers(url, RESULTS / f"raw-{label}.json", args.workers):
            api = f"http://127.0.0.1:{API_PORT}"
            raw = f"http://127.0.0.1:{RAW_PORT}"
            names = list(captured["urls"]) if label == "big" else ["search_city"]
            measured = {}
            for name in names:
                measured[name] = {
                    "api": measure(api + captured["urls"][name], args.duration, args.connections),
                    "raw": measure(f"{raw}/{name}", args.duration, args.connections),
                }
                say(f"{label} {name}: api {measured[name]['api']['rps']:.0f} req/s, "
                    f"raw {measured[name]['raw']['rps']:.0f} req/s")  # fmt: skip
            result[f"http_{label}"] = measured
            if label == "big":
                result["booking"] = bookings_under_load(api, captured, args)
    summarise(result)
    if not args.skip_backup:
        result["backup"] = backup_vs_raw(big_url)
        summarise_backup(result)
    result["bulk_update"] = bulk_update(big_url)
    summarise_bulk(result)
    result["finished_at"] = dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds")
    result["bench_peak_memory_mb"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    )
    return result


def bookings_under_load(api: str, captured: dict, args) -> dict:
    ids = captured["listing_ids"][:200]
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        (ROOT / "bench" / "post_booking.lua").read_text()
        .replace("__TOKEN__", captured["token"])
        .replace("__IDS__", ",".join(map(str, ids)))
    )  # fmt: skip
    try:
        return wrk(f"{api}/api/v1/bookings/", args.duration, 16, str(script))
    finally:
        script.unlink()


def _ratio(value, baseline):
    return round(value / baseline, 2) if value and baseline else None


def _ok(ratio, predicate):
    return None if ratio is None else predicate(ratio)


def summarise(result: dict) -> None:
    figures = result["figures"]
    big = result["http_big"]
    for name in ("detail", "search_city", "search_q", "search_bbox", "search_dates"):
        if name not in big:
            continue
        api, raw = big[name]["api"], big[name]["raw"]
        ratio = _ratio(api["rps"], raw["rps"])
        tail = _ratio(api["p99_ms"], api["p50_ms"])
        figures[f"api_{name}"] = {
            "label": f"API {name.replace('_', ' ')} vs raw psycopg, same SQL (req/s)",
            "value": round(api["rps"]), "baseline": round(raw["rps"]), "ratio": ratio,
            "target": ">= 0.4", "ok": _ok(ratio, lambda r: r >= 0.4),
            "p50_ms": api["p50_ms"], "p99_ms": api["p99_ms"],
            "raw_p50_ms": raw["p50_ms"], "raw_p99_ms": raw["p99_ms"],
            "p99_over_p50": tail, "tail_ok": _ok(tail, lambda r: r <= 4),
        }  # fmt: skip
    if "cursor_deep" in big:
        deep, first = big["cursor_deep"]["api"]["p50_ms"], big["page_1"]["api"]["p50_ms"]
        ratio = _ratio(deep, first)
        figures["cursor_depth"] = {
            "label": "cursor page at depth ~500k vs page 1 (p50 ms)",
            "value": deep, "baseline": first, "ratio": ratio,
            "target": "<= 1.2", "ok": _ok(ratio, lambda r: r <= 1.2),
        }  # fmt: skip
        offset = big["offset_deep"]["api"]["p50_ms"]
        figures["offset_depth"] = {
            "label": "OFFSET page at the same depth vs page 1 (contrast, p50 ms)",
            "value": offset, "baseline": first, "ratio": _ratio(offset, first),
            "target": "-", "ok": None,
        }  # fmt: skip
    p100, p10 = big["page_size_100"]["api"]["p50_ms"], big["page_size_10"]["api"]["p50_ms"]
    ratio = _ratio(p100, p10)
    figures["page_size"] = {
        "label": "page_size 100 vs 10 (p50 ms)",
        "value": p100, "baseline": p10, "ratio": ratio,
        "target": "<= 3", "ok": _ok(ratio, lambda r: r <= 3),
    }  # fmt: skip
    small = result["http_small"]["search_city"]["api"]["p50_ms"]
    large = big["search_city"]["api"]["p50_ms"]
    figures["search_scale"] = {
        "label": f"search p50 with {result['listings']:,} vs 10,000 listings (ms)",
        "value": large, "baseline": small, "ratio": _ratio(large, small),
        "target": "<= 1.2", "ok": _ok(_ratio(large, small), lambda r: r <= 1.2),
    }  # fmt: skip
    booking = result["booking"]
    figures["booking_create"] = {
        "label": "booking creation, 16 clients: p50 / p99 ms (201s, 409s)",
        "value": booking["p50_ms"], "baseline": booking["p99_ms"],
        "ratio": _ratio(booking["p99_ms"], booking["p50_ms"]),
        "target": "409 on conflicts, no 5xx",
        "ok": not any(code.startswith("5") for code in booking["statuses"]),
        "statuses": booking["statuses"],
    }  # fmt: skip


def backup_vs_raw(url: str) -> dict:
    work = Path(tempfile.mkdtemp(prefix="havre-bench-backup-"))
    env = django_env(url, BACKUP_DIR=str(work / "dbbackup"))
    try:
        started = time.perf_counter()
        subprocess.run(
            [PYTHON, "manage.py", "dbbackup", "--compress"], cwd=ROOT, env=env, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        ours = time.perf_counter() - started
        raw_file = work / "raw.dump.gz"
        started = time.perf_counter()
        subprocess.run(
            f"pg_dump --format=custom --compress=0 '{url}' | gzip > '{raw_file}'",
            shell=True, check=True,
        )  # fmt: skip
        raw = time.perf_counter() - started
        backup = next((work / "dbbackup").glob("*.gz"))
        # What dbrestore does, with the bare tools: schema public replaced, then the dump loaded
        # in one transaction (pg_restore --clean cannot drop a partitioned table's inherited
        # constraints). Run first: dbrestore then leaves the schema as the app expects it.
        started = time.perf_counter()
        subprocess.run(
            f"psql '{url}' -q -c 'DROP SCHEMA public CASCADE' -c 'CREATE SCHEMA public' && "
            f"gunzip -c '{raw_file}' | pg_restore --single-transaction --exit-on-error "
            f"-d '{url}'",
            shell=True, check=True,
        )  # fmt: skip
        raw_restore = time.perf_counter() - started
        started = time.perf_counter()
        summary = subprocess.run(
            [PYTHON, "manage.py", "dbrestore", "--noinput", "--input-filename", backup.name],
            cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        ours_restore = time.perf_counter() - started
        say(summary)
        load = re.search(r"load ([\d.]+) s", summary)
        return {
            "dbbackup_s": round(ours, 1), "pg_dump_s": round(raw, 1),
            "dbrestore_s": round(ours_restore, 1), "pg_restore_s": round(raw_restore, 1),
            "dbrestore_load_s": float(load.group(1)) if load else None,
            "size_mb": round(backup.stat().st_size / 2**20, 1),
        }  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


def summarise_backup(result: dict) -> None:
    b = result["backup"]
    result["figures"]["dbbackup"] = {
        "label": f"dbbackup --compress vs pg_dump -Fc | gzip ({b['size_mb']} MB, s)",
        "value": b["dbbackup_s"], "baseline": b["pg_dump_s"],
        "ratio": round(b["dbbackup_s"] / b["pg_dump_s"], 2),
        "target": "<= 1.1", "ok": b["dbbackup_s"] / b["pg_dump_s"] <= 1.1,
    }  # fmt: skip
    result["figures"]["dbrestore"] = {
        "label": "dbrestore vs pg_restore --single-transaction (s)",
        "value": b["dbrestore_s"], "baseline": b["pg_restore_s"],
        "ratio": round(b["dbrestore_s"] / b["pg_restore_s"], 2),
        "target": "<= 1.1", "ok": b["dbrestore_s"] / b["pg_restore_s"] <= 1.1,
    }  # fmt: skip
    if b.get("dbrestore_load_s"):
        result["figures"]["dbrestore_load"] = {
            "label": "dbrestore's load alone (no ANALYZE, no count check) vs pg_restore (s)",
            "value": b["dbrestore_load_s"], "baseline": b["pg_restore_s"],
            "ratio": round(b["dbrestore_load_s"] / b["pg_restore_s"], 2),
            "target": "-", "ok": None,
        }  # fmt: skip


def bulk_update(url: str) -> dict:
    out = subprocess.run(
        [PYTHON, "-m", "bench.bulk_update"], cwd=ROOT, env=django_env(url), check=True,
        text=True, capture_output=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def summarise_bulk(result: dict) -> None:
    b = result["bulk_update"]
    history = b["with_triggers_s"] / b["projection_only_s"]
    result["figures"]["bulk_update"] = {
        "label": f"queryset.update() of {b['rows']:,} listings: audit + version triggers on vs "
        "off, search projection kept (s)",
        "value": b["with_triggers_s"], "baseline": b["projection_only_s"],
        "ratio": round(history, 2), "target": "<= 2", "ok": history <= 2,
    }  # fmt: skip
    result["figures"]["bulk_update_all"] = {
        "label": "the same update: every trigger (audit, versions, search projection) vs none (s)",
        "value": b["with_triggers_s"], "baseline": b["without_triggers_s"],
        "ratio": round(b["with_triggers_s"] / b["without_triggers_s"], 2),
        "target": "-", "ok": None,
    }  # fmt: skip


def markdown(result: dict) -> str:
    lines = [
        f"Measured {result['started_at']} on commit {result['commit']}, "
        f"{result['listings']:,} listings, {result['machine']['cpus']} CPUs.",
        "",
        "| figure | value | baseline | ratio | target | met |",
        "|---|---:|---:|---:|---|:-:|",
    ]
    for figure in result["figures"].values():
        met = {True: "yes", False: "**no**", None: "-"}[figure["ok"]]
        lines.append(
            f"| {figure['label']} | {figure['value']} | {figure['baseline']} | "
            f"{figure['ratio']} | {figure['target']} | {met} |"
        )
    for name, figure in result["figures"].items():
        if name.startswith("api_"):
            lines.append(
                f"\n`{name}`: API p50/p99 {figure['p50_ms']}/{figure['p99_ms']} ms "
                f"(p99/p50 {figure['p99_over_p50']}, target <= 4), raw p50/p99 "
                f"{figure['raw_p50_ms']}/{figure['raw_p99_ms']} ms"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per server")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the databases")
    parser.add_argument("--skip-backup", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    result = run(args)
    stamp = result["started_at"].replace(":", "").replace("-", "")
    (RESULTS / f"{stamp}.json").write_text(json.dumps(result, indent=2))
    table = markdown(result)
    (RESULTS / f"{stamp}.md").write_text(table + "\n")
    (RESULTS / "latest.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
