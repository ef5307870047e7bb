"""Real servers for the fault tests: gunicorn serving the test database, a TCP proxy in front
of PostgreSQL that can refuse or blackhole, and a small HTTP client that times each call."""

from __future__ import annotations

import http.client
import json
import os
import select
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

PASS = "pass"
REFUSE = "refuse"
BLACKHOLE = "blackhole"


def _reset(sock: socket.socket) -> None:
    """Close with an RST, as a crashed or firewalled peer would."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class FaultyProxy:
    """A TCP proxy on a free loopback port in front of PostgreSQL.

    pass: forwards both ways. refuse: the listener is closed (connection refused) and every
    open connection reset. blackhole: connections are accepted and kept, but no byte is
    forwarded either way — what a partition or a stuck middlebox looks like to a client
    whose TCP peer (this proxy) still acknowledges everything."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.mode = PASS
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._stopped = threading.Event()
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept_loop, daemon=True).start()

    @staticmethod
    def _listen(port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        listener.settimeout(0.1)
        return listener

    def set_mode(self, mode: str) -> None:
        with self._lock:
            previous, self.mode = self.mode, mode
            if mode == REFUSE:
                self._listener.close()
                for sock in self._sockets:
                    _reset(sock)
                self._sockets.clear()
            elif previous == REFUSE:
                self._listener = self._listen(self.port)

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            with self._lock:
                listener = self._listener
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                if self.mode == REFUSE:
                    time.sleep(0.05)
                continue
            with self._lock:
                self._sockets.add(client)
                mode = self.mode
            if mode == BLACKHOLE:
                continue  # kept open, never answered: dropped when the proxy stops
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _reset(client)
            return
        with self._lock:
            self._sockets.add(upstream)
        pair = {client: upstream, upstream: client}
        try:
            while not self._stopped.is_set():
                if self.mode == BLACKHOLE:
                    time.sleep(0.05)  # bytes stay where they are until the network "heals"
                    continue
                readable, _, _ = select.select(list(pair), [], [], 0.1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except (OSError, ValueError):  # reset by refuse(): ValueError for a closed socket
            return
        finally:
            with self._lock:
                for sock in pair:
                    self._sockets.discard(sock)
                    sock.close()

    def close(self) -> None:
        self._stopped.set()
        with self._lock:
            self._listener.close()
            for sock in self._sockets:
                _reset(sock)
            self._sockets.clear()


@dataclass
class Answer:
    status: int
    headers: dict
    body: dict | None
    seconds: float
    text: str = field(repr=False, default="")


class Server:
    """A running gunicorn; `call()` sends one request on a new connection."""

    def __init__(self, port: int, log: Path):
        self.port = port
        self.log = log

    def call(self, method: str, path: str, body=None, headers=None, timeout=60.0) -> Answer:
        payload = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        started = time.monotonic()
        http_connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            http_connection.request(method, path, body=payload, headers=all_headers)
            response = http_connection.getresponse()
            raw = response.read().decode("utf-8", "replace")
            answer_headers = {name.lower(): value for name, value in response.getheaders()}
            status = response.status
        finally:
            http_connection.close()
        seconds = time.monotonic() - started
        parsed = None
        if answer_headers.get("content-type", "").startswith("application/json"):
            parsed = json.loads(raw)
        return Answer(status, answer_headers, parsed, seconds, raw)

    def raw(self, data: bytes, timeout=30.0) -> bytes:
        """Send `data` as is and return everything the server answers."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(data)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


def database_url(port: int | None = None) -> str:
    """The test database, directly or through a proxy listening on `port`."""
    db = connection.settings_dict
    host = "127.0.0.1" if port else (db["HOST"] or "127.0.0.1")
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{host}:{port or db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def gunicorn(*, workers: int, threads: int, env: dict[str, str]):
    """gunicorn with our config file (gthread, our worker class) and the test settings, on a
    socket this process bound to a free loopback port (handed over as fd://)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    log = Path(tempfile.mkstemp(prefix="havre-gunicorn-", suffix=".log")[1])
    process_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    with log.open("w") as log_file:
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        command += ["-c", "config/gunicorn.conf.py", "--bind", f"fd://{listener.fileno()}"]
        command += ["--workers", str(workers), "--threads", str(threads), "--log-level", "warning"]
        process = subprocess.Popen(  # noqa: S603 — our own server, fixed arguments
            command,
            cwd=ROOT,
            env=process_env,
            pass_fds=[listener.fileno()],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    listener.close()
    server = Server(port, log)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


def _wait_until_up(server: Server, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{server.log.read_text()}")
        try:
            if server.call("GET", "/health/", timeout=5).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer /health/:\n{server.log.read_text()}")
