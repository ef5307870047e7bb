"""A real PgBouncer in transaction mode in front of the test database, started by the tests.

Debian's `pgbouncer` on a free port of 127.0.0.1, with a generated configuration: every
database of the test cluster (`* = host=… port=…`), pool_mode = transaction, a small pool and
`server_lifetime = 1` so that clients' transactions keep changing server connections, no
server_reset_query (transaction mode runs none). Clients log in as a role of their own that has
no rights (`NOINHERIT` member of the runtime role): only a transaction that switches role with
SET LOCAL ROLE sees anything (apps/core/db/per_transaction.py).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from psycopg import sql

from tests.helpers import unused_port

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@dataclass(frozen=True)
class Bouncer:
    host: str
    port: int
    login: str  # the role clients log in as through it

    def url(self, database: str) -> str:
        return f"postgres://{self.login}@{self.host}:{self.port}/{database}"


def _direct(database_settings: dict) -> dict:
    return {
        "host": database_settings["HOST"] or "127.0.0.1",
        "port": int(database_settings["PORT"] or 5432),
        "user": database_settings["USER"],
        "password": database_settings["PASSWORD"] or None,
        "dbname": database_settings["NAME"],
    }


@contextmanager
def login_role(database_settings: dict, name: str) -> Iterator[str]:
    """A login role with no rights of its own that may SET ROLE to the runtime role (created
    with the owner's direct connection, dropped afterwards)."""
    params = {k: v for k, v in _direct(database_settings).items() if v is not None}
    role, app_role = sql.Identifier(name), sql.Identifier(settings.DATABASE_APP_ROLE)
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
    database_settings: dict, *, login: str, pool_size: int = 4, server_lifetime: int = 1
) -> Iterator[Bouncer]:
    """PgBouncer in transaction mode in front of `database_settings`' server; yields it."""
    direct = _direct(database_settings)
    port = unused_port()
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


def through(database_settings: dict, bouncer: Bouncer) -> dict:
    """The settings that reach the same database through `bouncer`: logged in as its login
    role, each transaction switching role; the owner's work goes directly to the server."""
    direct = _direct(database_settings)
    return {
        "HOST": bouncer.host,
        "PORT": str(bouncer.port),
        "USER": bouncer.login,
        "PASSWORD": "",
        "TRANSACTION_POOLING": True,
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "OWNER": {
            "USER": direct["user"],
            "PASSWORD": direct["password"],
            "HOST": direct["host"],
            "PORT": str(direct["port"]),
        },
    }
