"""Debian's PgBouncer in transaction mode, started on a free loopback port with a generated
configuration — for the bench's pooling figures and the tests (tests/pgbouncer.py).

Every database of the server (`* = host=… port=…`), pool_mode = transaction, no
server_reset_query (transaction mode runs none), auth_type = trust with the users listed (the
server authenticates PgBouncer as the client's user). Clients log in as a role of their own
without rights (`login_role`): only a transaction that switches role sees anything
(apps/core/db/per_transaction.py).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Bouncer:
    host: str
    port: int
    login: str  # the role clients log in as through it

    def url(self, database: str) -> str:
        return f"postgres://{self.login}@{self.host}:{self.port}/{database}"


@contextmanager
def login_role(direct: dict, name: str, app_role: str = "app_user") -> Iterator[str]:
    """A login role with no rights of its own (NOINHERIT) that may SET ROLE to the runtime
    role, created with the owner's direct connection (libpq parameters), dropped afterwards."""
    params = {k: v for k, v in direct.items() if v is not None}
    role, app_role = sql.Identifier(name), sql.Identifier(app_role)
    with psycopg.connect(**params, autocommit=True) as owner:
        owner.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))
        owner.execute(
            sql.SQL("CREATE ROLE {} LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS").format(role)
        )
        owner.execute(sql.SQL("GRANT {} TO {}").format(app_role, role))
    try:
        yield name
    finally:
        with psycopg.connect(**params, autocommit=True) as owner:
            owner.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))


@contextmanager
def pgbouncer(
    direct: dict, *, login: str, pool_size: int = 4, server_lifetime: int = 1
) -> Iterator[Bouncer]:
    """PgBouncer in transaction mode in front of the server of `direct` (libpq parameters:
    host, port, user, password), on a free port; yields it."""
    direct = {"host": "127.0.0.1", "port": 5432, "password": None, **direct}
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="havre-pgbouncer-") as tmp:
        directory = Path(tmp)
        # auth_type = trust: PgBouncer checks no password but knows its users (auth_file); the
        # server authenticates it as the client's user (loopback, as the suite's own login).
        users = [login, direct["user"]]
        (directory / "userlist.txt").write_text(
            "".join(f'"{user}" "{direct["password"] or ""}"\n' for user in users)
        )
        (directory / "pgbouncer.ini").write_text(
            f"""[databases]
* = host={direct["host"]} port={direct["port"]}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory / "userlist.txt"}
pool_mode = transaction
default_pool_size = {pool_size}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 500
server_lifetime = {server_lifetime}
server_idle_timeout = 5
server_reset_query =
server_check_delay = 0
ignore_startup_parameters = extra_float_digits
logfile = {directory / "pgbouncer.log"}
pidfile = {directory / "pgbouncer.pid"}
admin_users = {direct["user"]}
{_unprivileged_user(directory)}"""
        )
        process = subprocess.Popen(  # noqa: S603 — Debian's pgbouncer, our generated config
            [PGBOUNCER, str(directory / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_until_up(process, port, direct, directory)
            yield Bouncer(host="127.0.0.1", port=port, login=login)
        finally:
            process.terminate()
            process.wait(timeout=30)


def _unprivileged_user(directory: Path) -> str:
    """PgBouncer refuses to run as root: started by root (a CI container), it switches to the
    postgres (else nobody) account, which must be able to write its log and pid file."""
    if os.geteuid() != 0:
        return ""
    for name in ("postgres", "nobody"):
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            continue
        for path in (directory, *directory.iterdir()):
            os.chown(path, account.pw_uid, account.pw_gid)
        return f"user = {name}\n"
    raise AssertionError("pgbouncer refuses root and neither postgres nor nobody exists")


def log_of(directory: Path) -> str:
    path = directory / "pgbouncer.log"
    return path.read_text() if path.exists() else ""


def _wait_until_up(process, port: int, direct: dict, directory: Path, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"pgbouncer exited ({process.returncode}): "
                f"{process.stderr.read().decode()}\n{log_of(directory)}"
            )
        try:
            with psycopg.connect(
                host="127.0.0.1", port=port, user=direct["user"], dbname="pgbouncer",
                connect_timeout=2, autocommit=True,
            ) as admin:  # fmt: skip
                admin.execute("SHOW VERSION")
                return
        except psycopg.Error:
            time.sleep(0.1)
    raise AssertionError(f"pgbouncer did not answer within {seconds} s:\n{log_of(directory)}")
