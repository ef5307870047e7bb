"""Havre's database backend: Django's PostgreSQL backend plus what every connection needs,
whatever opened it (web request, management command, shell):

* every query is observed (slow-query log, per-request statistics);
* the connection acts as the runtime role (`DATABASE_APP_ROLE`, e.g. app_user: no superuser,
  no BYPASSRLS, owns nothing) unless the code runs `as_owner()` — migrations, flush, test
  database creation — which connects with the owner's credentials and role;
* nothing waits on the database without a bound (apps/core/db/timeouts.py): the entry point's
  statement and idle-in-transaction timeouts travel with the connection, a web connection
  gives up on an answer that never comes (a partition, a stuck proxy) and is then discarded,
  and health checks of a connection take at most the probe timeout;
* a connection opened while a management command runs acts as `command:<name>` for the whole
  session (apps/core/commands.py); a server's never does;
* through a pooler in transaction mode (`TRANSACTION_POOLING`), nothing is set for the session:
  every transaction switches to the runtime role and sets its timeouts itself
  (apps/core/db/per_transaction.py);
* with Django's psycopg pool (`OPTIONS["pool"]`), a web server's connections come from the
  pool; the owner's and a command's never do (their parameters differ from the pool's).
"""

import math

import psycopg
import psycopg.sql
from django.conf import settings
from django.db import OperationalError
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base as postgresql

from apps.core import commands
from apps.core.db import per_transaction, timeouts
from apps.core.db.observer import QueryObserver
from apps.core.db.roles import owner_mode_active

# Raised by psycopg's Connection.wait(timeout=...) (psycopg >= 3.2); looked up at import so that
# a psycopg without it fails at start-up, not during an outage.
_WAIT_TIMEOUT = psycopg.errors._WaitTimeout


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection on which no wait for the server lasts longer than
    `answer_timeout` seconds (None: no limit). Every exchange — execute, fetch, commit,
    rollback, COPY — goes through `wait()`. A connection that timed out is closed: where its
    conversation with the server stopped is unknown, so it must never be reused."""

    answer_timeout: float | None = None

    def wait(self, gen, *args, timeout=None, **kwargs):
        limit = self.answer_timeout
        if timeout is not None or limit is None:
            return super().wait(gen, *args, timeout=timeout, **kwargs)
        try:
            return super().wait(gen, *args, timeout=limit, **kwargs)
        except _WAIT_TIMEOUT as exc:
            self.close()
            raise psycopg.OperationalError(
                f"no answer from the database within {limit:g} s; connection closed"
            ) from exc


class _Driver:
    """psycopg as Django's backend sees it (`Database`), connecting with DeadlineConnection."""

    connect = staticmethod(DeadlineConnection.connect)

    def __getattr__(self, name):
        return getattr(psycopg, name)


class DatabaseWrapper(postgresql.DatabaseWrapper):
    Database = _Driver()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.observer = QueryObserver()
        self.execute_wrappers.append(self.observer)
        # Outermost (the last wrapper wraps the others): the role switch it may add runs on
        # the raw cursor, before the observed statement.
        self.execute_wrappers.append(per_transaction.TransactionRole())
        # Whether the current transaction still owes its role switch (per-transaction mode).
        self.role_pending = False
        pool = self.settings_dict["OPTIONS"].get("pool")
        if pool:
            # The pool's connections are ours too: bounded waits.
            pool = {} if pool is True else dict(pool)
            pool.setdefault("connection_class", DeadlineConnection)
            self.settings_dict["OPTIONS"]["pool"] = pool

    @property
    def acts_as_owner(self) -> bool:
        # The "no database" connection creates and drops databases (tests, reset): owner work.
        return owner_mode_active() or self.alias == NO_DB_ALIAS

    @property
    def per_transaction(self) -> bool:
        """Through a pooler in transaction mode: the role and timeouts are set by each
        transaction, never for the session. The owner connects directly."""
        return bool(self.settings_dict.get("TRANSACTION_POOLING")) and not self.acts_as_owner

    @property
    def runtime_role(self) -> str:
        return settings.DATABASE_APP_ROLE

    @property
    def pool(self):
        # Only a server's connections (the pool's parameters are the web entry point's, taken
        # once): the owner's and a command's connect on their own.
        if self.acts_as_owner or timeouts.entry_point() != timeouts.WEB:
            return None
        return super().pool

    def get_connection_params(self):
        params = super().get_connection_params()
        owner = self.settings_dict.get("OWNER") or {}
        if self.acts_as_owner and owner.get("USER"):
            params["user"] = owner["USER"]
            for key, param in (("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
                if owner.get(key):
                    params[param] = owner[key]
        if self.per_transaction:
            # A pooler in transaction mode refuses startup options (and could not keep them
            # per client): each transaction sets its timeouts itself.
            return params
        params["options"] = _join_options(
            params.get("options"),
            timeouts.connection_options(self.settings_dict),
            commands.connection_options(),
        )
        return params

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.answer_timeout = timeouts.answer_timeout(self.settings_dict)
        if self.per_transaction:
            per_transaction.check_login(connection, conn_params)
        return connection

    def _configure_role(self, connection):
        if self.acts_as_owner or self.per_transaction:
            return False
        role = self.settings_dict["OPTIONS"].get("assume_role")
        if not role:
            return False
        # Composed with psycopg alone: Django's compose_sql needs a connection of this thread,
        # which in the pool's own thread (configure) waits on the pool itself — a deadlock.
        with connection.cursor() as cursor:
            cursor.execute(psycopg.sql.SQL("SET ROLE {}").format(psycopg.sql.Identifier(role)))
        return True

    def _set_autocommit(self, autocommit):
        super()._set_autocommit(autocommit)
        self.role_pending = not autocommit

    def _commit(self):
        super()._commit()
        self.role_pending = not self.autocommit

    def _rollback(self):
        super()._rollback()
        self.role_pending = not self.autocommit

    def is_usable(self):
        # Django's health checks (CONN_HEALTH_CHECKS, and after a request that saw an error)
        # run SELECT 1: a connection that cannot answer it within the probe timeout is dropped.
        if self.connection is None:
            return False
        saved = self.connection.answer_timeout
        self.connection.answer_timeout = timeouts.probe_timeout(self.settings_dict)
        try:
            return super().is_usable()
        finally:
            self.connection.answer_timeout = saved

    def probe(self) -> None:
        """Connect anew and run SELECT 1, the whole within about the probe timeout; raise
        OperationalError otherwise. A new connection, so that the probe tells whether the
        application can reach the database now, without disturbing this thread's one."""
        seconds = timeouts.probe_timeout(self.settings_dict)
        params = self.get_connection_params()
        # libpq's connect_timeout counts whole seconds, at least 2.
        params["connect_timeout"] = max(2, math.ceil(seconds))
        if not self.per_transaction:  # a pooler refuses startup options; SELECT 1 needs none
            # Later -c settings win over the connection's own.
            params["options"] = _join_options(
                params.get("options"), timeouts.session_options(seconds * 1000, seconds * 1000)
            )
        try:
            probe = self.Database.connect(**params)
            probe.answer_timeout = seconds
            try:
                # Observed like every query (the slow-query log, the request's figures).
                self.observer(
                    lambda sql, params, many, context: probe.execute(sql).fetchone(),
                    "SELECT 1",
                    None,
                    False,
                    {"connection": self, "cursor": None},
                )
            finally:
                probe.close()
        except psycopg.Error as exc:
            raise OperationalError(str(exc)) from exc


def _join_options(*options: str | None) -> str:
    return " ".join(option for option in options if option)
