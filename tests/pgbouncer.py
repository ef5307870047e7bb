"""A real PgBouncer in transaction mode in front of the test database, started by the tests
(bench/pgbouncer.py: Debian's, a free port, a generated configuration). `server_lifetime = 1`
and a small pool keep clients' transactions changing server connections. Clients log in as a
role of their own that has no rights (`NOINHERIT` member of the runtime role): only a
transaction that switches role with SET LOCAL ROLE sees anything
(apps/core/db/per_transaction.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from bench import pgbouncer as launcher
from bench.pgbouncer import Bouncer


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
    with launcher.login_role(_direct(database_settings), name, settings.DATABASE_APP_ROLE) as r:
        yield r


@contextmanager
def pgbouncer(database_settings: dict, *, login: str) -> Iterator[Bouncer]:
    with launcher.pgbouncer(_direct(database_settings), login=login) as bouncer:
        yield bouncer


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
