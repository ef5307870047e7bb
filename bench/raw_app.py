"""The baseline: a minimal WSGI endpoint that runs the exact SQL the API ran, with raw psycopg.

`bench.capture` records, for each scenario, every statement the Django view executed (the
request-context set_config, the queries, with their parameters inlined). This app replays
them on one pooled connection per worker inside one transaction, as the API does, and
returns the rows of the last SELECT as JSON. What remains between the two is Django, DRF and
our code: routing, middleware, authentication, serializers.

Run: gunicorn bench.raw_app:application (BENCH_SCENARIOS=path/to/scenarios.json,
BENCH_DATABASE_URL=...).
"""

import json
import os

import psycopg
from psycopg.rows import dict_row

_SCENARIOS = json.loads(open(os.environ["BENCH_SCENARIOS"]).read())
_connection = None


def _conn():
    global _connection
    if _connection is None or _connection.closed:
        # Client-side binding, as Django's psycopg backend: the same SQL sent the same way.
        # (A server-side-binding cursor would prepare the replayed text after five runs and
        # skip planning — 1.0 ms instead of 5.1 ms for the listing detail under RLS — which the
        # app, whose SQL carries its literals, never does.)
        _connection = psycopg.connect(
            os.environ["BENCH_DATABASE_URL"],
            row_factory=dict_row,
            cursor_factory=psycopg.ClientCursor,
        )
        role = os.environ.get("BENCH_ROLE")
        if role:
            _connection.execute(psycopg.sql.SQL("SET ROLE {}").format(psycopg.sql.Identifier(role)))
            _connection.commit()
    return _connection


def application(environ, start_response):
    name = environ.get("PATH_INFO", "/").strip("/")
    statements = _SCENARIOS.get(name)
    if statements is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": "unknown scenario"}']
    conn = _conn()
    rows = []
    with conn.transaction(), conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
            if cursor.description is not None:
                rows = cursor.fetchall()
    body = json.dumps({"results": rows}, default=str).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
