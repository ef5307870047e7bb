"""Connections through a pooler in transaction mode (PgBouncer): nothing lives in the session.

A pooler in transaction mode gives each transaction of a client whichever server connection is
free: a `SET ROLE` run once per connection, a session setting, a server-side prepared
statement or cursor, a session advisory lock or a LISTEN stays on the server connection it ran
on and reaches — or misses — other clients' transactions. So, on a connection whose settings
say `TRANSACTION_POOLING` (DATABASE_TRANSACTION_POOLING):

* every transaction switches to the runtime role itself (`set_config('role', app_user, true)`,
  i.e. SET LOCAL ROLE) together with the entry point's statement and idle timeouts. A
  transaction opened by `db_context` (every request's) does it in the statement that sets the
  request context — no extra round trip; any other transaction gets one statement before its
  first; a statement outside any transaction (Django's autocommit) is run inside one of its own
  that does it. No `SET ROLE` for the session, no startup `options` (PgBouncer refuses them);
* the login role must be able to bypass nothing: a transaction that did not switch runs as
  that role and must see nothing. The recommended login role has no rights at all (`NOINHERIT`
  member of the runtime role: every table refuses it); the runtime role itself also works (no
  context: the policies show nobody's rows). A superuser or BYPASSRLS login is refused when the
  first connection opens.

What the role switch needs is one place per connection (`settings_for`), so that every alias
using our backend — a replica's too — gets it from its own settings.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from apps.core.db import timeouts

SET_SQL = (
    "SELECT set_config(name, value, true) FROM unnest(%s::text[], %s::text[]) AS s(name, value)"
)
LOGIN_CHECK_SQL = (
    "SELECT session_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = session_user"
)


def settings_for(connection) -> dict[str, str]:
    """What each transaction of `connection` must set for itself ({} when the session holds
    it: a direct connection, or the owner's)."""
    if not getattr(connection, "per_transaction", False):
        return {}
    return {
        "role": connection.runtime_role,
        **timeouts.transaction_settings(connection.settings_dict),
    }


def carried(connection, names: list[str], values: list[str]) -> tuple[list[str], list[str]]:
    """`names`/`values` plus the transaction's own settings, for a statement that sets them
    (db_context's): the connection then owes its transaction nothing more."""
    extra = settings_for(connection)
    if not extra:
        return names, values
    connection.role_pending = False
    return [*names, *extra], [*values, *extra.values()]


# The logins this process has checked: (host, port, dbname, user).
_checked: set[tuple] = set()


def check_login(raw, params: dict) -> None:
    """Refuse a login role that bypasses row-level security: through a pooler, a statement
    that did not switch role runs as it. Once per process and login."""
    login = tuple(params.get(key) for key in ("host", "port", "dbname", "user"))
    if login in _checked:
        return
    row = raw.execute(LOGIN_CHECK_SQL).fetchone()
    if not raw.autocommit:
        raw.rollback()  # Django switches to autocommit next, which needs no open transaction
    if row is not None and not row[1]:
        _checked.add(login)
    else:
        raw.close()
        who = row[0] if row else "?"
        raise ImproperlyConfigured(
            f"DATABASE_TRANSACTION_POOLING: the login role {who!r} is a superuser or BYPASSRLS. "
            "Through a pooler in transaction mode, log in as a role that sees nothing without "
            "the per-transaction SET ROLE (docs/security.md, 'Transaction pooling')."
        )


class TransactionRole:
    """Execute wrapper: the first statement of each transaction is preceded by the role switch
    (unless db_context's carried it), and a statement outside a transaction runs in one that
    switches."""

    def __call__(self, execute, sql, params, many, context):
        connection = context["connection"]
        extra = settings_for(connection)
        if not extra:
            return execute(sql, params, many, context)
        cursor = context["cursor"].cursor  # psycopg's: no wrapper runs again
        values = [list(extra), list(extra.values())]
        if connection.get_autocommit():
            # Django's autocommit: this statement alone is a transaction; make it one that
            # switches (psycopg's transaction block: BEGIN, COMMIT or ROLLBACK).
            with cursor.connection.transaction():
                cursor.execute(SET_SQL, values)
                return execute(sql, params, many, context)
        if connection.role_pending:
            connection.role_pending = False
            cursor.execute(SET_SQL, values)
        return execute(sql, params, many, context)
