"""How long the database may keep us waiting, decided per entry point.

* **web** — declared by `config/wsgi.py` and `config/asgi.py` (gunicorn, runserver, any WSGI
  server): a statement may run `DB_STATEMENT_TIMEOUT_MS` (5 s) before PostgreSQL cancels it
  (SQLSTATE 57014, answered 503 `database_timeout`), a transaction may sit idle
  `DB_IDLE_IN_TRANSACTION_TIMEOUT_MS` (60 s) before PostgreSQL ends the session, and the client
  gives up on any answer `ANSWER_GRACE_MS` after the statement timeout — the server's own
  cancel cannot reach us through a partition or a stuck proxy.
* **command** — everything else (manage.py, cron jobs, the shell, pytest): no statement or
  idle timeout by default (`DB_COMMAND_*`), so that `migrate`, `dbbackup`, `dbrestore` and
  `seed --scale` are never cut, and no client deadline.

The server-side limits travel in the connection's startup packet (libpq `options`): no extra
round trip, nothing to forget, and nothing changed on the role or database — the cluster may be
shared. Health checks of a connection (CONN_HEALTH_CHECKS, the end-of-request check) and
`/health/db/` use the short probe timeout (`DB_PROBE_TIMEOUT_MS`) whatever the entry point.
"""

from __future__ import annotations

WEB = "web"
COMMAND = "command"
# The server cancels a statement at its timeout; the client waits this much longer for that
# answer before it declares the connection lost.
ANSWER_GRACE_MS = 2000

_entry_point = COMMAND


def serve_web() -> None:
    """This process serves web requests: new connections get the web limits."""
    global _entry_point
    _entry_point = WEB


def entry_point() -> str:
    return _entry_point


def _limits(settings_dict) -> dict:
    return settings_dict.get("TIMEOUTS", {}).get(_entry_point, {})


def session_options(statement_ms: int, idle_in_transaction_ms: int) -> str:
    return (
        f"-c statement_timeout={int(statement_ms)} "
        f"-c idle_in_transaction_session_timeout={int(idle_in_transaction_ms)}"
    )


def connection_options(settings_dict) -> str:
    """libpq `options` setting this entry point's server-side limits (0: none)."""
    limits = _limits(settings_dict)
    return session_options(limits.get("statement_ms", 0), limits.get("idle_in_transaction_ms", 0))


def transaction_settings(settings_dict) -> dict[str, str]:
    """The same limits as settings for one transaction (`set_config(…, true)`): what a
    connection through a pooler in transaction mode carries instead of the startup packet's
    (apps/core/db/per_transaction.py)."""
    limits = _limits(settings_dict)
    return {
        "statement_timeout": str(int(limits.get("statement_ms", 0))),
        "idle_in_transaction_session_timeout": str(int(limits.get("idle_in_transaction_ms", 0))),
    }


def answer_timeout(settings_dict) -> float | None:
    """Seconds the client waits for any answer on a connection, or None (no limit)."""
    statement_ms = _limits(settings_dict).get("statement_ms", 0)
    return (statement_ms + ANSWER_GRACE_MS) / 1000 if statement_ms else None


def probe_timeout(settings_dict) -> float:
    """Seconds a health probe (SELECT 1) may take, connecting included."""
    return settings_dict.get("TIMEOUTS", {}).get("probe_ms", 2000) / 1000
