"""The backup figures' measurements: our dbbackup/dbrestore against the bare pg_dump/pg_restore
of the same database, in a scratch directory removed afterwards."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.environment import PYTHON, ROOT, django_env, say


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
