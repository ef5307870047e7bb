"""The session engine: sessions stay in PostgreSQL, as digests, behind row-level security.

The cookie holds the session key; django_session holds only its SHA-256, so neither a reader
of the table nor a backup can replay a session. Every access goes through one of the
session_* functions of apps/core/migrations/0009_session_security.py, which act as the session
actor (system:session) for their one statement: the table shows nothing to any other context.

One statement per operation, like Django's own db engine or fewer, and none of them needs a
context of its own: inside a request's transaction the call is one more statement of it
(nothing to restore), outside one (SessionMiddleware saves after RequestContextMiddleware has
committed) it is a transaction by itself.
"""

from __future__ import annotations

import hashlib

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connection


def key_digest(session_key: str) -> str:
    """What the table stores for a key: its SHA-256, in hex."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def _call(function: str, *args):
    """The single value returned by session function `function` (a trusted name)."""
    placeholders = ", ".join(["%s"] * len(args))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}({placeholders})", args)  # noqa: S608
        return cursor.fetchone()[0]


class SessionStore(DatabaseSessionStore):
    def load(self):
        data = _call("session_load", key_digest(self.session_key)) if self.session_key else None
        if data is None:
            self._session_key = None  # unknown or expired: a new key on the next save
            return {}
        return self.decode(data)

    def exists(self, session_key):
        return _call("session_exists", key_digest(session_key))

    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()
        data = self.encode(self._get_session(no_load=must_create))
        args = (key_digest(self.session_key), data, self.get_expiry_date())
        if must_create:
            if not _call("session_create", *args):
                raise CreateError
        elif not _call("session_update", *args):
            raise UpdateError  # deleted meanwhile (logged out elsewhere): SessionInterrupted

    def delete(self, session_key=None):
        session_key = session_key or self.session_key
        if session_key is not None:
            _call("session_delete", key_digest(session_key))

    @classmethod
    def clear_expired(cls):
        return _call("session_clear_expired")

    # Django's async variants use the ORM directly (which would now see no row): the same
    # functions, from a thread.
    async def aload(self):
        return await sync_to_async(self.load)()

    async def aexists(self, session_key):
        return await sync_to_async(self.exists)(session_key)

    async def asave(self, must_create=False):
        return await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key=None):
        return await sync_to_async(self.delete)(session_key)

    @classmethod
    async def aclear_expired(cls):
        return await sync_to_async(cls.clear_expired)()
