"""The PostgreSQL cluster private to this checkout: data under var/postgres, its own port.

    python scripts/private_postgres.py status   # exit 0 running, 3 stopped, 4 none here
    python scripts/private_postgres.py start    # after a reboot, a kill -9, a `stop`
    python scripts/private_postgres.py stop

`scripts/ensure_database.py` creates the cluster when no other server is chosen. Its port is
chosen once, when it is created (HAVRE_PRIVATE_PG_PORT, else derived from the checkout's path,
else the next free one), and written into the cluster's own postgresql.conf: from then on the
cluster knows its port, and `.env`'s DATABASE_URL names it.

Standard library only (`make clean-all` stops the server without .venv). As root, initdb,
pg_ctl and postgres run as the `postgres` system user (they refuse root).
"""

from __future__ import annotations

import fcntl
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkout import ROOT, derived_names, port_is_free, setting  # noqa: E402

# Before ports were derived from the checkout, every private cluster used this one.
LEGACY_PORT = 54329
STARTS_TRIED = 20  # x 0.5 s: a killed postmaster's children take a moment to let go


def say(message: str) -> None:
    print(f"[db] {message}", file=sys.stderr, flush=True)


def find_bindir(version: str = "*") -> Path | None:
    """The newest PostgreSQL binaries found, or those of `version` (a cluster's PG_VERSION)."""
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/{version}/bin/initdb"), reverse=True)
    for prefix in ("/usr/local/opt", "/opt/homebrew/opt"):  # Homebrew: postgresql@15
        candidates += sorted(glob.glob(f"{prefix}/postgresql@{version}/bin/initdb"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb and version == "*":
        candidates.append(initdb)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return Path(candidate).parent
    return None


def run_as_server_user(args: list[str], check: bool = True) -> subprocess.CompletedProcess:
    """initdb, pg_ctl and postgres refuse root: as root, they run as the postgres user."""
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            sys.exit("[db] running as root without runuser: set DATABASE_URL instead.")
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=check, stdout=subprocess.DEVNULL)  # noqa: S603


class Cluster:
    def __init__(self, root: Path = ROOT):
        self.root = Path(root)
        self.dir = self.root / "var" / "postgres"
        self.data = self.dir / "data"
        self.run_dir = self.dir / "run"
        self.log = self.dir / "server.log"

    # --- what is there ---------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.data / "PG_VERSION").is_file()

    def port(self) -> int:
        """The port the cluster was created with (its postgresql.conf); for a cluster made
        before the port was written there, the one it was last started with."""
        ports = re.findall(r"(?m)^port\s*=\s*(\d+)", self._read(self.data / "postgresql.conf"))
        if ports:
            return int(ports[-1])
        last_start = re.search(r'"-p" "(\d+)"', self._read(self.data / "postmaster.opts"))
        if last_start:
            return int(last_start.group(1))
        return int(setting("HAVRE_PRIVATE_PG_PORT", self.root) or LEGACY_PORT)

    def server_pid(self) -> int | None:
        """The postmaster's pid when it runs; None when stopped, even with a stale pid file
        (a kill -9, a reboot that gave the pid to another process)."""
        first_line = self._read(self.data / "postmaster.pid").split("\n", 1)[0].strip()
        if not first_line.isdigit():
            return None
        pid = int(first_line)
        cmdline = Path(f"/proc/{pid}/cmdline")
        if Path("/proc/self").exists():
            try:
                return pid if str(self.data).encode() in cmdline.read_bytes() else None
            except OSError:
                return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return pid

    def size_mb(self) -> int:
        total = sum(f.stat().st_size for f in self.dir.rglob("*") if f.is_file())
        return round(total / 1e6)

    # --- changes -------------------------------------------------------------------------
    def create(self) -> int:
        """initdb, and the settings that make the cluster this checkout's: its port, loopback
        only, its socket under var/postgres/run. Returns the port."""
        bindir = self._bindir()
        port = self._choose_port()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self._check_reachable_by_postgres()
            for path in (self.dir, self.run_dir):
                shutil.chown(path, "postgres")
        say(f"initialising a private PostgreSQL cluster in {self.data} (port {port})")
        run_as_server_user(
            [str(bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
            + ["-E", "UTF8", "--locale=C.UTF-8"]
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# This checkout's private cluster (scripts/private_postgres.py).\n"
                f"port = {port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.run_dir}'\n"
            )
        return port

    def start(self) -> None:
        """Start it unless it runs; a stale pid file (kill -9, reboot) is removed first."""
        if self.server_pid() is not None:
            return
        port = self.port()
        if not wait_until(lambda: port_is_free("127.0.0.1", port), seconds=5):
            sys.exit(
                f"[db] port {port} is taken by another server, not this checkout's cluster "
                f"({self.data}). Stop it, or give this cluster another port: `port = ...` in "
                f"{self.data / 'postgresql.conf'} and in DATABASE_URL (.env)."
            )
        # Left by a server that is gone (kill -9, power cut). PostgreSQL clears them itself
        # unless their pid now belongs to another process, as after a reboot.
        stale = [self.data / "postmaster.pid", self.run_dir / f".s.PGSQL.{port}.lock"]
        for path in stale:
            if path.exists():
                say(f"removing {path.name}, left by a server that is gone")
                path.unlink()
        say(f"starting the private PostgreSQL server on port {port}")
        for _ in range(STARTS_TRIED):
            # -p and -k repeat the conf for clusters created before it held them.
            options = f"-p {port} -k {self.run_dir} -c listen_addresses=127.0.0.1"
            started = self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log), "-o", options)
            if started.returncode == 0:
                return
            # After a kill -9 the old backends may still hold the shared memory for a moment.
            time.sleep(0.5)
        log_tail = "".join(self._read(self.log).splitlines(keepends=True)[-10:])
        sys.exit(f"[db] the private server did not start; {self.log} ends with:\n{log_tail}")

    def stop(self) -> None:
        if self.server_pid() is None:
            return
        say("stopping the private PostgreSQL server")
        self._pg_ctl("stop", "-w", "-t", "60", "-m", "fast", check=True)

    # --- helpers ---------------------------------------------------------------------------
    @contextmanager
    def lock(self):
        """One start/stop at a time in a checkout (make run beside make test)."""
        self.dir.parent.mkdir(parents=True, exist_ok=True)
        with open(self.dir.parent / ".postgres.lock", "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            yield

    @staticmethod
    def _read(path: Path) -> str:
        try:
            return path.read_text()
        except OSError:
            return ""

    def _bindir(self) -> Path:
        version = self._read(self.data / "PG_VERSION").strip() or "*"
        bindir = find_bindir(version) or find_bindir()
        if bindir is None:
            sys.exit(
                "[db] No PostgreSQL server answers on 127.0.0.1:5432 and no PostgreSQL binaries "
                "were found.\n"
                "     Install PostgreSQL 15 or newer (Debian/Ubuntu: `apt-get install postgresql`; "
                "macOS: `brew install postgresql@15`),\n"
                "     or point DATABASE_URL at a server, e.g. "
                "DATABASE_URL=postgres://user:password@host:5432/havre"
            )
        return bindir

    def _choose_port(self) -> int:
        wanted = setting("HAVRE_PRIVATE_PG_PORT", self.root)
        if wanted and not port_is_free("127.0.0.1", int(wanted)):
            sys.exit(f"[db] HAVRE_PRIVATE_PG_PORT={wanted} is taken: choose another.")
        if wanted:
            return int(wanted)
        first = derived_names(self.root).private_port
        for port in range(first, first + 50):
            if port_is_free("127.0.0.1", port):
                return port
        sys.exit(f"[db] no free port from {first}: set HAVRE_PRIVATE_PG_PORT.")

    def _check_reachable_by_postgres(self) -> None:
        probe = ["runuser", "-u", "postgres", "--", "test", "-x", str(self.dir.parent)]
        reachable = subprocess.run(probe, check=False)  # noqa: S603, S607
        if reachable.returncode != 0:
            sys.exit(
                f"[db] the postgres system user cannot reach {self.dir.parent} (a directory "
                "above it is not searchable by others): make it searchable, or set DATABASE_URL."
            )

    def _pg_ctl(self, *args: str, check: bool = False) -> subprocess.CompletedProcess:
        return run_as_server_user(
            [str(self._bindir() / "pg_ctl"), "-D", str(self.data), *args], check
        )


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def status(cluster: Cluster) -> int:
    """Exit status 0 when the checkout's database server answers, 3 when not (or none is
    chosen yet)."""
    if cluster.exists():
        pid = cluster.server_pid()
        state = f"running (pid {pid})" if pid else "stopped"
        size = cluster.size_mb()
        print(f"private cluster: {cluster.data}, port {cluster.port()}, {state}, {size} MB")
    else:
        print(f"private cluster: none in {cluster.dir}")
    url = setting("DATABASE_URL", cluster.root)
    if url is None:
        print("database: none chosen yet (`make db` chooses one and writes it to .env)")
        return 3
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    up = answers(host, port)
    print(f"database: {redact(url)} ({'answers' if up else 'does not answer'})")
    return 0 if up else 3


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urlunsplit(parts)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    cluster = Cluster()
    if command == "status":
        sys.exit(status(cluster))
    if command not in ("start", "stop"):
        sys.exit(f"usage: {sys.argv[0]} status|start|stop")
    if not cluster.exists():
        say(f"no private cluster in {cluster.dir}: nothing to {command}")
        return
    with cluster.lock():
        cluster.start() if command == "start" else cluster.stop()
    status(cluster)


if __name__ == "__main__":
    main()
