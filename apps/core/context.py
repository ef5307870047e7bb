"""Who is acting, told to PostgreSQL.

Row-level security policies and audit triggers read the acting user, tenant, staff flag, IP,
user agent, request id and actor from transaction-local settings (`app.*`, written with
`set_config(name, value, true)`). This module is the one place that writes them.

Settings are transaction-local: they vanish at COMMIT/ROLLBACK, so nothing leaks to the next
request that reuses the connection — or, through a pooler in transaction mode, to another
client's transaction on the same server connection (whose role the same statement sets).
Policies treat a missing or empty setting as "nobody", so forgetting the context hides private
rows instead of exposing them.

One exception, below these: a management command's connections carry `command:<name>` as
session settings for the command's whole run (apps/core/commands.py); a context set here still
wins inside its transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from apps.core.db import per_transaction

SETTING_NAMES = (
    "app.user_id",
    "app.tenant_id",
    "app.is_staff",
    "app.ip",
    "app.user_agent",
    "app.request_id",
    "app.actor",
)

_SET_SQL = (
    "SELECT set_config(name, value, true) FROM unnest(%s::text[], %s::text[]) AS s(name, value)"
)
GET_SQL = (
    "SELECT array_agg(current_setting(name, true) ORDER BY ord) "
    "FROM unnest(%s::text[]) WITH ORDINALITY AS s(name, ord)"
)


@dataclass(frozen=True)
class DbContext:
    user_id: int | None = None
    tenant_id: int | None = None
    is_staff: bool = False
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    # "user:<id>", "anonymous", or a privileged "command:<name>" / "system:<name>".
    actor: str = "anonymous"

    @classmethod
    def for_command(cls, name: str) -> DbContext:
        return cls(actor=f"command:{name}", request_id=uuid.uuid4().hex)

    @classmethod
    def system(cls, purpose: str) -> DbContext:
        return cls(actor=f"system:{purpose}")

    def with_user(self, user, tenant_id: int | None = None) -> DbContext:
        if user is None or not user.is_authenticated:
            return replace(
                self,
                user_id=None,
                is_staff=False,
                actor="anonymous",
                tenant_id=tenant_id if tenant_id is not None else self.tenant_id,
            )
        return replace(
            self,
            user_id=user.pk,
            tenant_id=user.tenant_id,
            is_staff=bool(user.is_staff and user.is_active),
            actor=f"user:{user.pk}",
        )

    def values(self) -> list[str]:
        return [
            "" if self.user_id is None else str(self.user_id),
            "" if self.tenant_id is None else str(self.tenant_id),
            "on" if self.is_staff else "",
            self.ip or "",
            (self.user_agent or "")[:500],
            self.request_id or "",
            self.actor,
        ]


def _write(cursor, values: list[str]) -> None:
    # Through a pooler in transaction mode, the same statement switches the transaction to the
    # runtime role and sets its timeouts (apps/core/db/per_transaction.py).
    names, values = per_transaction.carried(cursor.db, list(SETTING_NAMES), values)
    cursor.execute(_SET_SQL, [names, values])


def apply(context: DbContext, using: str = DEFAULT_DB_ALIAS) -> None:
    """Set the context for the rest of the current transaction (which must exist)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("The database context only lives inside a transaction.")
    with connection.cursor() as cursor:
        _write(cursor, context.values())


@contextmanager
def db_context(context: DbContext, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block in a transaction acting as `context`; the previous context comes back
    afterwards when the block was nested in a transaction that already had one."""
    connection = connections[using]
    nested = connection.in_atomic_block
    # Outermost, this opens the transaction (no savepoint); nested, a savepoint keeps an error
    # inside from dooming the enclosing transaction, and rolling it back reverts the settings.
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            previous = None
            if nested:
                cursor.execute(GET_SQL, [list(SETTING_NAMES)])
                previous = [value or "" for value in cursor.fetchone()[0]]
            _write(cursor, context.values())
        yield
        # A transaction already doomed (an error was handled inside) rolls the settings back
        # with everything else; it accepts no more queries.
        if previous is not None and not connection.needs_rollback:
            with connection.cursor() as cursor:
                _write(cursor, previous)


@contextmanager
def as_system(purpose: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block as the narrow system actor `system:<purpose>` (the password services'
    `system:password`, say), keeping who asked — user, tenant, IP, request — for the audit
    trail. The caller has already checked that the asker may."""
    now = current(using)
    user_id, tenant_id = now["app.user_id"], now["app.tenant_id"]
    asking = DbContext(
        user_id=int(user_id) if user_id else None,
        tenant_id=int(tenant_id) if tenant_id else None,
        is_staff=now["app.is_staff"] == "on",
        ip=now["app.ip"],
        user_agent=now["app.user_agent"],
        request_id=now["app.request_id"],
        actor=f"system:{purpose}",
    )
    with db_context(asking, using=using):
        yield


def current(using: str = DEFAULT_DB_ALIAS) -> dict[str, str | None]:
    """The context PostgreSQL sees right now (for debugging and tests)."""
    with connections[using].cursor() as cursor:
        cursor.execute(GET_SQL, [list(SETTING_NAMES)])
        values = cursor.fetchone()[0]
    return {name: (value or None) for name, value in zip(SETTING_NAMES, values, strict=True)}
