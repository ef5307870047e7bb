"""Make sure a PostgreSQL server answers and the project's database exists.

Order of preference:
1. DATABASE_URL from the environment (or from .env);
2. a server already answering on 127.0.0.1:5432 (user postgres);
3. a server private to this checkout, started from the PostgreSQL binaries on the machine,
   with its data under var/postgres and its own port; its URL is written to .env.

Prints the database URL it settled on (without password). Exits non-zero, saying what to
install, when none of the above is possible.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
ENV_FILE = ROOT / ".env"
PRIVATE_DIR = ROOT / "var" / "postgres"
PRIVATE_PORT = int(os.environ.get("HAVRE_PRIVATE_PG_PORT", "54329"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/havre"
PRIVATE_URL = f"postgres://postgres@127.0.0.1:{PRIVATE_PORT}/havre"


def say(message: str) -> None:
    print(f"[db] {message}", file=sys.stderr, flush=True)


def url_from_env_file() -> str | None:
    if not ENV_FILE.is_file():
        return None
    for line in ENV_FILE.read_text().splitlines():
        if line.startswith("DATABASE_URL="):
            return line.split("=", 1)[1].strip().strip("'\"")
    return None


def with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def conninfo(url: str) -> str:
    # psycopg does not know the "postgis://"/"pgsql://" aliases django-environ accepts.
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def answers(url: str) -> bool:
    try:
        with psycopg.connect(conninfo(with_dbname(url, "postgres")), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def find_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    candidates += sorted(glob.glob("/usr/local/opt/postgresql*/bin/initdb"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(initdb)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return Path(candidate).parent
    return None


def run_as_server_user(args: list[str]) -> None:
    # initdb and postgres refuse to run as root; hand them to the postgres system user.
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            sys.exit("[db] running as root without runuser: set DATABASE_URL instead.")
        args = ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 (our own argv)


def start_private_server() -> str:
    bindir = find_bindir()
    if bindir is None:
        sys.exit(
            "[db] No PostgreSQL server answers on 127.0.0.1:5432 and no PostgreSQL binaries "
            "were found.\n"
            "     Install PostgreSQL 15 or newer (Debian/Ubuntu: `apt-get install postgresql`; "
            "macOS: `brew install postgresql@15`),\n"
            "     or point DATABASE_URL at a server, e.g. "
            "DATABASE_URL=postgres://user:password@host:5432/havre"
        )
    data = PRIVATE_DIR / "data"
    run_dir = PRIVATE_DIR / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(PRIVATE_DIR, "postgres")
        shutil.chown(run_dir, "postgres")
    if not (data / "PG_VERSION").exists():
        say(f"initialising a private PostgreSQL cluster in {data}")
        run_as_server_user(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        )
    private_url = PRIVATE_URL
    if not answers(private_url):
        say(f"starting the private PostgreSQL server on port {PRIVATE_PORT}")
        run_as_server_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(PRIVATE_DIR / "server.log"),
                "-w",
                "-o",
                f"-p {PRIVATE_PORT} -k {run_dir} -c listen_addresses=127.0.0.1",
                "start",
            ]
        )
    ENV_FILE.write_text(
        "".join(
            line + "\n"
            for line in (ENV_FILE.read_text().splitlines() if ENV_FILE.exists() else [])
            if not line.startswith("DATABASE_URL=")
        )
        + f"DATABASE_URL={private_url}\n"
    )
    say(f"wrote DATABASE_URL to {ENV_FILE.name}")
    return private_url


def ensure_database(url: str) -> None:
    dbname = urlsplit(url).path.lstrip("/") or "havre"
    for _ in range(30):
        if answers(url):
            break
        time.sleep(1)
    else:
        sys.exit(f"[db] the server at {redact(url)} does not answer.")
    with psycopg.connect(conninfo(with_dbname(url, "postgres")), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            say(f"created database {dbname}")


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def main() -> None:
    url = os.environ.get("DATABASE_URL") or url_from_env_file()
    if url is None:
        url = DEFAULT_URL if answers(DEFAULT_URL) else start_private_server()
    ensure_database(url)
    say(f"using {redact(url)}")


if __name__ == "__main__":
    main()
