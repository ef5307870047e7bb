"""The two servers the bench drives: the API (gunicorn, config/gunicorn.conf.py, production
settings) and the raw replay (gunicorn, bench.raw_app), each on a free loopback port, with the
worker class and counts gunicorn resolved for each command."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from gunicorn.util import load_class
from gunicorn.workers import SUPPORTED_WORKERS

from bench.environment import PYTHON, RESULTS, ROOT, django_env


class Server(NamedTuple):
    """One gunicorn the bench runs: its command line and environment."""

    argv: list[str]
    env: dict[str, str]
    url: str


_TAKEN: set[int] = set()  # ports this process handed out already (their server may be starting)


def free_port(ports: range | None = None) -> int:
    """A loopback port nothing listens on, for gunicorn (which reports the port it bound to
    port 0 only in its info log): any, or the first free one of `ports` (--ports). Another
    process could take it in between: rare, and the server then fails to start, loudly."""
    for port in ports if ports is not None else [0]:
        if port in _TAKEN:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            port = probe.getsockname()[1]
        if ports is not None:
            _TAKEN.add(port)
        return port
    raise SystemExit(f"no free port in {ports.start}-{ports.stop - 1}")


def api_server(url: str, workers: int, ports: range | None = None) -> Server:
    port = free_port(ports)
    return Server(
        [PYTHON, "-m", "gunicorn", "config.wsgi:application", "-c", "config/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", *_common(workers)],
        django_env(url, GUNICORN_ACCESSLOG=""),
        f"http://127.0.0.1:{port}",
    )  # fmt: skip


def raw_server(url: str, scenarios_file: Path, workers: int, ports: range | None = None) -> Server:
    port = free_port(ports)
    return Server(
        [PYTHON, "-m", "gunicorn", "bench.raw_app:application",
         "--bind", f"127.0.0.1:{port}", *_common(workers)],
        {**os.environ, "BENCH_SCENARIOS": str(scenarios_file), "BENCH_DATABASE_URL": url,
         "BENCH_ROLE": "app_user", "PYTHONPATH": str(ROOT)},
        f"http://127.0.0.1:{port}",
    )  # fmt: skip


def _common(workers: int) -> list[str]:
    return ["--workers", str(workers), "--access-logfile", "-", "--log-level", "warning"]


def worker_config(server: Server) -> dict:
    """The worker class and counts gunicorn resolves for this very command and environment
    (its --print-config), so that the report states what ran, whatever the config file says."""
    printed = subprocess.run(
        [*server.argv, "--print-config"],
        cwd=ROOT,
        env=server.env,
        check=True,
        text=True,
        capture_output=True,
    ).stdout
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", printed, re.M))
    return {
        "worker_class": config["worker_class"],
        "kind": worker_kind(config["worker_class"], int(config["threads"])),
        "workers": int(config["workers"]),
        "threads": int(config["threads"]),
    }


def worker_kind(worker_class: str, threads: int) -> str:
    """gunicorn's short name for a worker class ("sync", "gthread"...), also for a subclass of
    one of its own (config.gunicorn_worker's); gunicorn runs sync with threads > 1 as gthread."""
    short_names = {path: name for name, path in SUPPORTED_WORKERS.items()}
    cls = load_class(worker_class)
    kind = next(
        (short_names[f"{c.__module__}.{c.__qualname__}"] for c in cls.__mro__
         if f"{c.__module__}.{c.__qualname__}" in short_names),
        worker_class,
    )  # fmt: skip
    return "gthread" if kind == "sync" and threads > 1 else kind


@contextmanager
def servers(api: Server, raw: Server | None, logs: Path = RESULTS / "logs"):
    """Both servers (or the API alone) up (answering) for the block, stopped after it; their
    logs in `logs`."""
    logs.mkdir(parents=True, exist_ok=True)
    started = [(name, server) for name, server in (("api", api), ("raw", raw)) if server]
    processes = [
        subprocess.Popen(
            server.argv,
            cwd=ROOT,
            env=server.env,
            stdout=subprocess.DEVNULL,
            stderr=open(logs / f"{name}.log", "w"),  # the server writes it for its whole life
        )
        for name, server in started
    ]
    try:
        for url in (f"{api.url}/health/", *([f"{raw.url}/detail"] if raw else [])):
            wait_for(url, logs)
        yield
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def wait_for(url: str, logs: Path, seconds: int = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except Exception:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not come up; see {logs}/")
