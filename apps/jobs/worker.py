"""The worker's own connection to the queue.

procrastinate's worker needs an asynchronous pool (LISTEN/NOTIFY, polling); its jobs use
Django's connection as usual. The pool connects with the application's parameters (host,
timeouts, keepalives) and, like every connection of ours, acts as the runtime role: SET ROLE
when logged in as another user (development), never as the owner. Each of its sessions acts as
`system:jobs`: the queue's tables answer system actors only."""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from procrastinate import PsycopgConnector
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
