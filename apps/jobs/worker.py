"""The worker's own connection to the queue.

procrastinate's worker needs an asynchronous pool (LISTEN/NOTIFY, polling); its jobs use
Django's connection as usual. The pool connects with the application's parameters (host,
timeouts, keepalives) and, like every connection of ours, acts as the runtime role: SET ROLE
when logged in as another user (development), never as the owner. Each of its sessions acts as
`system:jobs`: the queue's tables answer system actors only. Session state and LISTEN: it
connects directly to PostgreSQL, never through a pooler in transaction mode (the worker is a
command, which refuses DATABASE_TRANSACTION_POOLING)."""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from procrastinate import App, PsycopgConnector
from procrastinate.contrib.django import procrastinate_app
from psycopg import sql

WORKER_ACTOR = "system:jobs"


def connection_params(using: str = DEFAULT_DB_ALIAS) -> dict:
    params = connections[using].get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(key, None)
    params["application_name"] = "havre-worker"
    return params


def worker_connector(*, concurrency: int, using: str = DEFAULT_DB_ALIAS) -> PsycopgConnector:
    params = connection_params(using)
    role = settings.DATABASE_APP_ROLE
    assume_role = params.get("user") != role

    async def configure(conn) -> None:
        if assume_role:
            await conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        await conn.execute("SELECT set_config('app.actor', %s, false)", [WORKER_ACTOR])
        await conn.commit()

    # The fetch loop, the heartbeat and each running job's bookkeeping share the pool.
    return PsycopgConnector(
        kwargs=params, configure=configure, min_size=1, max_size=concurrency + 2
    )


def worker_app(*, concurrency: int) -> App:
    """An app for the worker: the Django app's tasks and worker defaults (Django's connection
    clean-up around each job) on the worker's own pool. The Django app keeps Django's
    connector, so a job that defers another one does it in its own transaction, as a request
    does (procrastinate's `replace_connector` would swap it for the pool's)."""
    django_app = procrastinate_app.current_app
    app = App(
        connector=worker_connector(concurrency=concurrency),
        import_paths=django_app.import_paths,
        worker_defaults=django_app.worker_defaults,
    )
    app.tasks = django_app.tasks
    app.periodic_registry = django_app.periodic_registry
    return app
