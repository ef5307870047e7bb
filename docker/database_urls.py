"""The container's database URLs, built from their parts; run by docker/entrypoint.sh, which
evaluates the `export` lines printed here.

docker-compose.yml hands each role's credentials over as separate variables, never inside a
URL: a password pasted raw into a URL breaks on `@ / # : ?` or a space ("p@ss/word#1" reads as
host "ss"). For each prefix below whose `<PREFIX>_USER` is set, `<PREFIX>_URL` is built from
`<PREFIX>_USER`, `<PREFIX>_PASSWORD` and the shared `DATABASE_HOST`, `DATABASE_PORT` and
`DATABASE_NAME`, every part percent-encoded (urllib.parse.quote, nothing left "safe");
django-environ decodes them back. A URL given whole is left as it is; given both ways, the
container refuses to start rather than guess.

  DATABASE            the application's login role (app_user: no superuser, no BYPASSRLS)
  MIGRATION_DATABASE  the owner: migrations, seeding, audit partitions, restores
  BACKUP_DATABASE     the backup role (BYPASSRLS, read-only) for pg_dump
"""

import os
import shlex
import sys
from urllib.parse import quote

PREFIXES = ("DATABASE", "MIGRATION_DATABASE", "BACKUP_DATABASE")


def _part(value: str) -> str:
    return quote(value, safe="")


def database_url(environ, prefix: str) -> str:
    host = environ.get("DATABASE_HOST") or "db"
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    port = environ.get("DATABASE_PORT") or "5432"
    name = environ.get("DATABASE_NAME") or "havre"
    credentials = _part(environ[f"{prefix}_USER"])
    if environ.get(f"{prefix}_PASSWORD"):
        credentials += ":" + _part(environ[f"{prefix}_PASSWORD"])
    return f"postgres://{credentials}@{host}:{port}/{_part(name)}"


def database_urls(environ) -> dict[str, str]:
    """{"<PREFIX>_URL": url} for every prefix whose user is given; ValueError when a URL is
    given both whole and in parts."""
    urls = {}
    for prefix in PREFIXES:
        if not environ.get(f"{prefix}_USER"):
            continue
        if environ.get(f"{prefix}_URL"):
            raise ValueError(
                f"both {prefix}_URL and {prefix}_USER are set: give the connection one way only"
            )
        urls[f"{prefix}_URL"] = database_url(environ, prefix)
    return urls


def main() -> int:
    try:
        urls = database_urls(os.environ)
    except ValueError as exc:
        print(f"entrypoint: {exc}", file=sys.stderr)
        return 2
    for name, url in urls.items():
        print(f"export {name}={shlex.quote(url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
