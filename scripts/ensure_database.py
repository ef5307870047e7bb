"""Make sure a PostgreSQL server answers and this checkout's database exists (`make db`).

Order of preference:
1. DATABASE_URL from the environment (or from .env), as it is. When it names this checkout's
   private cluster, that server is started if it is down (after a reboot, a kill -9, a stop);
2. this checkout's private cluster when var/postgres holds one (chosen before: kept);
3. a server already answering on 127.0.0.1:5432 (user postgres), unless HAVRE_PRIVATE_PG=1;
4. a new cluster private to this checkout (scripts/private_postgres.py), under var/postgres,
   on a port of its own.

In cases 2 to 4 the checkout's own names (scripts/checkout.py) go to .env, each unless already
set: DATABASE_URL=postgres://postgres@127.0.0.1:<port>/havre_<directory>_<hash>,
TEST_DATABASE_NAME=test_havre_<directory>_<hash> and CACHE_KEY_PREFIX=havre_<directory>_<hash>,
so that two clones never share a database or cached values.

Prints the database URL it settled on (without password). Exits non-zero, saying what to
install, when none of the above is possible.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkout import complete_env_file, derived_names, setting  # noqa: E402
from private_postgres import Cluster, redact, say  # noqa: E402

MACHINE_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WAIT_SECONDS = 15


def with_dbname(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{dbname}"))


def conninfo(url: str) -> str:
    # psycopg does not know the "postgis://"/"pgsql://" aliases django-environ accepts.
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql"))


def answers(url: str) -> bool:
    try:
        with psycopg.connect(conninfo(with_dbname(url, "postgres")), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def names_private_cluster(url: str, cluster: Cluster) -> bool:
    parts = urlsplit(url)
    return cluster.exists() and parts.hostname in LOOPBACK and parts.port == cluster.port()


def choose_url(cluster: Cluster) -> str:
    """Cases 2 to 4: the server, with this checkout's database name; written to .env."""
    names = derived_names(cluster.root)
    private_wanted = (setting("HAVRE_PRIVATE_PG", cluster.root) or "0") not in ("0", "")
    if cluster.exists() or private_wanted or not answers(MACHINE_SERVER):
        with cluster.lock():
            if not cluster.exists():
                cluster.create()
            cluster.start()
        server = f"postgres://postgres@127.0.0.1:{cluster.port()}"
    else:
        server = "postgres://postgres@127.0.0.1:5432"
    url = f"{server}/{names.database}"
    own = {
        "DATABASE_URL": url,
        "TEST_DATABASE_NAME": names.test_database,
        # Cached look-ups hold ids of this database: another checkout's must not read them.
        "CACHE_KEY_PREFIX": names.database,
    }
    written = complete_env_file(own, cluster.root)
    if written:
        say(f"wrote {', '.join(written)} to .env (this checkout's own names)")
    return url


def ensure_database(url: str) -> None:
    dbname = urlsplit(url).path.lstrip("/") or "havre"
    deadline = time.monotonic() + WAIT_SECONDS
    while not answers(url):
        if time.monotonic() > deadline:
            sys.exit(f"[db] the server at {redact(url)} does not answer (`make db-status`).")
        time.sleep(1)
    with psycopg.connect(conninfo(with_dbname(url, "postgres")), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            say(f"created database {dbname}")


def main() -> None:
    cluster = Cluster()
    url = setting("DATABASE_URL", cluster.root)
    if url is None:
        url = choose_url(cluster)
    elif names_private_cluster(url, cluster):
        with cluster.lock():
            cluster.start()
    ensure_database(url)
    say(f"using {redact(url)}")


if __name__ == "__main__":
    main()
