"""Checkouts that coexist: each derives its own database, test database and private cluster
port; its private PostgreSQL server can be started, stopped, queried, restarted after a kill -9
or a stale pid file, and removed by `make clean-all`. Real processes: the scripts run from a
copy of scripts/ (and the Makefile) in a temporary directory, as a second clone would, with
real initdb, pg_ctl and postgres. Nothing here touches the suite's own database."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.helpers import unused_port

ROOT = Path(__file__).resolve().parents[2]
# What a developer's shell or this suite's .env may set: a checkout under test sees none of it.
CHECKOUT_VARIABLES = (
    "DATABASE_URL",
    "TEST_DATABASE_NAME",
    "CACHE_KEY_PREFIX",
    "HAVRE_PRIVATE_PG",
    "HAVRE_PRIVATE_PG_PORT",
    "PORT",
    "PYTHON",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
)


def checkout_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in CHECKOUT_VARIABLES}
    return {**env, **extra}


@pytest.fixture
def checkouts():
    """Makes clones-to-be: <tmp>/<n>/havre, each with scripts/ and the Makefile. Under /tmp and
    searchable by others: as root the private cluster belongs to the postgres user."""
    parent = Path(tempfile.mkdtemp(prefix="havre-checkouts-"))
    parent.chmod(0o755)
    made = []

    def make_checkout() -> Path:
        root = parent / str(len(made)) / "havre"
        root.parent.mkdir()
        root.parent.chmod(0o755)
        shutil.copytree(ROOT / "scripts", root / "scripts", ignore=shutil.ignore_patterns("__*"))
        shutil.copy(ROOT / "Makefile", root / "Makefile")
        made.append(root)
        return root

    yield make_checkout
    for root in made:  # a failed test may leave a server running
        if (root / "var" / "postgres" / "data" / "postmaster.pid").exists():
            script(root, "private_postgres.py", "stop")
    shutil.rmtree(parent)


def script(root: Path, name: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 — our own scripts
        [sys.executable, str(root / "scripts" / name), *args],
        cwd=root,
        env=checkout_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def make(root: Path, target: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 — our own Makefile
        ["make", "--no-print-directory", "-C", str(root), target],  # noqa: S607
        env=checkout_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def env_file(root: Path) -> dict[str, str]:
    lines = (root / ".env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def database_exists(url: str) -> bool:
    server = urlsplit(url)._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(server, connect_timeout=5) as conn:
        name = urlsplit(url).path.lstrip("/")
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()


def test_names_are_derived_from_the_checkout_path():
    def names(path: str) -> dict:
        done = subprocess.run(  # noqa: S603 — our own script
            [sys.executable, str(ROOT / "scripts" / "checkout.py"), "names", path],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)

    first, second = names("/srv/a/havre"), names("/srv/b/havre")
    assert first["database"].startswith("havre_") and second["database"].startswith("havre_")
    assert first["database"] != second["database"]
    assert first["test_database"] != second["test_database"]
    assert first["private_port"] != second["private_port"]
    assert first["test_database"] == f"test_{first['database']}"
    assert names("/srv/a/havre") == first  # stable: the same checkout, the same names
    odd = names("/home/ana/My Clone (2)")
    assert odd["database"].startswith("havre_my_clone_2_")
    assert len(names(f"/srv/{'x' * 80}")["test_database"]) <= 42  # + _gw<n> < 63


def test_two_checkouts_get_their_own_database_and_test_database(checkouts):
    first, second = checkouts(), checkouts()
    urls = []
    try:
        for root in (first, second):
            done = script(root, "ensure_database.py")
            assert done.returncode == 0, done.stderr
            urls.append(env_file(root)["DATABASE_URL"])
        assert urls[0] != urls[1]
        for root, url in zip((first, second), urls, strict=True):
            database = urlsplit(url).path.lstrip("/")
            assert env_file(root)["TEST_DATABASE_NAME"] == f"test_{database}"
            assert env_file(root)["CACHE_KEY_PREFIX"] == database
            assert database_exists(url)
        # Run again: .env stays as it is, the database is kept.
        before = (first / ".env").read_text()
        assert script(first, "ensure_database.py").returncode == 0
        assert (first / ".env").read_text() == before
    finally:
        for url in urls:
            server = urlsplit(url)._replace(scheme="postgresql", path="/postgres").geturl()
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}"')


def test_private_cluster_start_stop_status_restart_and_clean_all(checkouts):
    root = checkouts()
    port = unused_port()
    (root / ".env").write_text(f"HAVRE_PRIVATE_PG=1\nHAVRE_PRIVATE_PG_PORT={port}\n")

    # make db, the first time: initdb, start, the checkout's database, its URL in .env.
    created = script(root, "ensure_database.py")
    assert created.returncode == 0, created.stderr
    url = env_file(root)["DATABASE_URL"]
    assert urlsplit(url).port == port and database_exists(url)
    status = make(root, "db-status")
    assert f"port {port}, running" in status.stdout and "(answers)" in status.stdout

    # A second checkout asked for the same port is refused, never handed the first's server.
    other = checkouts()
    (other / ".env").write_text(f"HAVRE_PRIVATE_PG=1\nHAVRE_PRIVATE_PG_PORT={port}\n")
    refused = script(other, "ensure_database.py")
    assert refused.returncode != 0 and f"HAVRE_PRIVATE_PG_PORT={port} is taken" in refused.stderr
    assert not (other / "var" / "postgres" / "data").exists()

    stopped = make(root, "db-stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not listening(port)
    assert script(root, "private_postgres.py", "status").returncode == 3

    # After a reboot .env still names the cluster: make db starts it instead of waiting.
    started_at = time.monotonic()
    assert script(root, "ensure_database.py").returncode == 0
    assert time.monotonic() - started_at < 15 and database_exists(url)

    # A killed postmaster: make db starts it again.
    pid_file = root / "var" / "postgres" / "data" / "postmaster.pid"
    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while listening(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    restarted = script(root, "ensure_database.py")
    assert restarted.returncode == 0, restarted.stderr
    assert database_exists(url)

    # A pid file whose pid now belongs to another process (as after a reboot): db-start.
    assert make(root, "db-stop").returncode == 0
    pid_file.write_text(f"{os.getpid()}\n{pid_file.parent}\n")
    started = make(root, "db-start")
    assert started.returncode == 0, started.stderr
    assert "running" in started.stdout and database_exists(url)

    # clean-all: the server stopped, var/ and .venv gone, .env (the names) kept.
    (root / ".venv").mkdir()
    cleaned = make(root, "clean-all")
    assert cleaned.returncode == 0, cleaned.stderr
    assert not listening(port)
    assert not (root / "var").exists() and not (root / ".venv").exists()
    assert env_file(root)["DATABASE_URL"] == url


def test_an_unsupported_python_is_refused_before_any_venv(checkouts):
    root = checkouts()
    fake = root / "python3.13"  # answers the version query as Python 3.13 would
    fake.write_text("#!/bin/sh\necho 3.13\n")
    fake.chmod(0o755)
    done = subprocess.run(  # noqa: S603 — our own script
        ["sh", str(root / "scripts" / "install.sh")],  # noqa: S607
        cwd=root,
        env=checkout_env(PYTHON=str(fake)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "is Python 3.13; Havre needs Python 3.11 or 3.12" in done.stderr
    assert not (root / ".venv").exists()


def pins(lock: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / lock).read_text().splitlines():
        if line and not line[0].isspace() and "==" in line:
            name, version = line.split(" ")[0].split("==")
            found[canonicalize_name(name)] = version
    return found


def test_lock_files_pin_what_pyproject_asks_and_what_is_installed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    build = project["build-system"]["requires"]
    for lock, declared in (
        (runtime, project["project"]["dependencies"] + build),
        (dev, project["project"]["optional-dependencies"]["dev"] + build),
    ):
        for requirement in map(Requirement, declared):
            name = canonicalize_name(requirement.name)
            assert name in lock, f"{name} is not locked: make lock"
            assert requirement.specifier.contains(lock[name]), f"{name}: make lock"
    assert {name: dev[name] for name in runtime} == runtime  # one version of each
    for lock in ("requirements.txt", "requirements-dev.txt"):
        text = (ROOT / lock).read_text()
        assert text.count("==") <= text.count("--hash=sha256:")
    # make install installs the lock: .venv holds exactly these versions.
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    assert {name: installed.get(name) for name in dev} == dev, "make install"
