"""A PostgreSQL primary and its streaming standby, private to a test: two clusters made from the
machine's PostgreSQL binaries (initdb; `pg_basebackup -R`), on two free loopback ports, under a
temporary directory. scripts/private_postgres.py starts and stops them, as it does a
checkout's private cluster. The primary is migrated (as its owner, `postgres`) before the
standby is copied from it, so both hold the project's roles and schema.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from scripts.private_postgres import Cluster, find_bindir, run_as_server_user
from tests.helpers import unused_port

ROOT = Path(__file__).resolve().parents[1]


def _in_memory() -> str | None:
    """The shared-memory directory when the machine has room there (a container's is
    often 64 MB): two clusters' files (~120 MB) are written, synced and removed there in a
    fraction of the time a busy disk takes. None: the usual temporary directory."""
    memory = "/dev/shm"  # noqa: S108 — a directory of our own is made inside
    try:
        room = os.statvfs(memory)
    except OSError:
        return None
    return memory if os.access(memory, os.W_OK) and room.f_bavail * room.f_frsize > 2**29 else None


class PortCluster(Cluster):
    """A private cluster on the port it is given (not the checkout's derived one)."""

    def __init__(self, root: Path, port: int):
        super().__init__(root)
        self.chosen_port = port

    def _choose_port(self) -> int:
        return self.chosen_port

    def url(self, database: str = "havre") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port()}/{database}"

    def connect(self, database: str = "havre", **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, **kwargs)


class ReplicatedPair:
    """`primary` and `standby`; `start()` makes both, `stop()` removes both."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="havre-replication-", dir=_in_memory()))
        # As root the clusters belong to the postgres user, who must reach them.
        self.dir.chmod(0o755)
        self.primary = PortCluster(self.dir / "primary", unused_port())
        self.standby = PortCluster(self.dir / "standby", unused_port())

    def start(self, *, schema_from: str, app_role: str, database: str = "havre") -> None:
        """Create and start both; the primary's database is a copy of `schema_from` (a URL:
        the suite's migrated test database, faster than migrating again), `app_role` the
        runtime role its grants and policies name."""
        self.primary.create()
        with (self.primary.data / "postgresql.conf").open("a") as conf:
            # A test's data, not a production's.
            conf.write("fsync = off\nfull_page_writes = off\n")
        self.primary.start()
        with self.primary.connect("postgres") as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
            connection.execute(
                f'CREATE ROLE "{app_role}" NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'
            )
        bindir = find_bindir()
        dump = self.dir / "schema.dump"
        for command in (
            [str(bindir / "pg_dump"), "--format=custom", f"--file={dump}", schema_from],
            [str(bindir / "pg_restore"), "--exit-on-error", "--no-owner"]
            + [f"--dbname={self.primary.url(database)}", str(dump)],
        ):
            done = subprocess.run(command, capture_output=True, text=True)  # noqa: S603
            assert done.returncode == 0, done.stderr
        self._copy_standby()
        self.standby.start()
        self.wait_streaming()

    def _copy_standby(self) -> None:
        bindir = find_bindir()
        self.standby.dir.mkdir(parents=True)
        self.standby.run_dir.mkdir()
        if os.geteuid() == 0:
            for path in (self.standby.root, self.standby.dir, self.standby.run_dir):
                shutil.chown(path, "postgres")
        run_as_server_user(
            [str(bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port())]
            + [
                "-U",
                "postgres",
                "-D",
                str(self.standby.data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ]
        )
        # The copy carries the primary's postgresql.conf: the standby's own port and socket
        # directory come last, and win.
        with (self.standby.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.standby.chosen_port}\n"
                f"unix_socket_directories = '{self.standby.run_dir}'\n"
                "hot_standby_feedback = on\n"
            )

    def wait_streaming(self, seconds: float = 30) -> None:
        """Until the standby streams from the primary and has replayed all the primary has
        written so far (asked of the standby: the primary hears of replay only every
        wal_receiver_status_interval)."""
        deadline = time.monotonic() + seconds
        with self.primary.connect() as primary:
            (written,) = primary.execute("SELECT pg_current_wal_lsn()").fetchone()
        while True:
            try:
                with self.standby.connect() as standby:
                    row = standby.execute(
                        "SELECT (SELECT status FROM pg_stat_wal_receiver), "
                        "pg_last_wal_replay_lsn() >= %s::pg_lsn",
                        [written],
                    ).fetchone()
            except psycopg.OperationalError as exc:  # still starting
                row = str(exc)
            if row == ("streaming", True):
                return
            assert time.monotonic() < deadline, f"the standby does not stream: {row}"
            time.sleep(0.1)

    def app_env(self, database: str = "havre") -> dict[str, str]:
        """What a process of the application needs to use the primary (and nothing else)."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_", "MIGRATION_DATABASE_", "TEST_DATABASE"))
        }
        return {**env, "DATABASE_URL": self.primary.url(database)}

    def stop(self) -> None:
        for cluster in (self.standby, self.primary):
            if cluster.exists():
                cluster.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
