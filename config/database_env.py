"""Database connections from the environment, given one of two ways.

* A URL: `DATABASE_URL=postgres://user:password@host:5432/havre` (development, `.env`). Special
  characters in a password must then be percent-encoded.
* Its parts (docker-compose.yml, orchestrators with secrets): `DATABASE_USER`,
  `DATABASE_PASSWORD`, and `DATABASE_HOST`, `DATABASE_PORT`, `DATABASE_NAME` shared by every
  role. A password given apart is used as it is, whatever its characters: nothing to encode.

The same holds for the owner (`MIGRATION_DATABASE_*`) and the backup role
(`BACKUP_DATABASE_*`). Settings read the parts themselves, so every process built from them —
the image's command, `docker compose exec`, `run`, cron — connects the same way, with no entry
point to go through. Both ways at once for one role is refused rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

# The shared parts, and their defaults in a container (docker-compose.yml's `db` service).
SHARED_DEFAULTS = {"DATABASE_HOST": "db", "DATABASE_PORT": "5432", "DATABASE_NAME": "havre"}


def connection(environ_: Mapping[str, str], prefix: str) -> dict[str, Any] | None:
    """The connection settings (NAME, USER, PASSWORD, HOST, PORT) for `prefix` ("DATABASE",
    "MIGRATION_DATABASE", "BACKUP_DATABASE"), or None when neither way gives one."""
    url = environ_.get(f"{prefix}_URL", "")
    user = environ_.get(f"{prefix}_USER", "")
    if url and user:
        raise ImproperlyConfigured(
            f"Both {prefix}_URL and {prefix}_USER are set: give the connection one way only."
        )
    if url:
        return environ.Env.db_url_config(url)
    if not user:
        return None

    def shared(name: str) -> str:
        return environ_.get(name) or SHARED_DEFAULTS[name]

    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": shared("DATABASE_NAME"),
        "USER": user,
        "PASSWORD": environ_.get(f"{prefix}_PASSWORD", ""),
        "HOST": shared("DATABASE_HOST"),
        "PORT": shared("DATABASE_PORT"),
    }
