"""Which PostgreSQL role a connection acts as: the runtime role, or the owner for DDL."""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

_owner_mode = contextvars.ContextVar("havre_db_owner_mode", default=False)


def owner_mode_active() -> bool:
    return _owner_mode.get()


@contextmanager
def as_owner(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Reconnect as the schema owner for the block (migrations, grants, partitions, flush).

    The switch closes the connection, so it is refused inside a transaction."""
    if _owner_mode.get():
        yield
        return
    connection = connections[using]
    if connection.in_atomic_block:
        raise RuntimeError("Cannot switch to the owner role inside a transaction.")
    connection.close()
    token = _owner_mode.set(True)
    try:
        yield
    finally:
        connection.close()
        _owner_mode.reset(token)
