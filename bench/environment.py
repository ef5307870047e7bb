"""Where the bench runs: paths, database URLs, the production-like environment of every child
process, and the small wrappers around manage.py, psql and the bench's own Django scripts."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
# The synthetic accounts' password (`seed --scale` reads SEED_SCALE_PASSWORD): the bench logs in
# as one of them. The value the seeder used to print, so that databases built before still serve.
SCALE_PASSWORD = "havre-scale-password"  # noqa: S105 — accounts of a synthetic dataset


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
        "SEED_SCALE_PASSWORD": SCALE_PASSWORD,
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


def bench_script(database_url: str, module: str, *args: str) -> str:
    """The last line printed by one of the bench's Django scripts (`python -m bench.<module>`),
    run under the production settings against `database_url`."""
    out = subprocess.run(
        [PYTHON, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        env=django_env(database_url),
        check=True,
        text=True,
        capture_output=True,
    ).stdout
    return out.strip().splitlines()[-1]


def psql(url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", url, "-Atqc", sql],
        check=True,
        text=True,
        capture_output=True,
    ).stdout.strip()


def say(text: str) -> None:
    print(f"[bench] {text}", flush=True)
