"""What belongs to this checkout alone, so that two clones on one machine never meet.

- Names derived from the checkout's absolute path: the database (`havre_<directory>_<hash>`),
  the test database (`test_<database>`) and the first port tried for a private PostgreSQL
  cluster. Two clones, even in directories of the same name, get different ones.
- The `.env` file: read (never over the real environment) and completed with what is missing.
- `serve`: the development server on PORT (environment, then .env); PORT unset, the first
  free port from 8000 (HAVRE_SERVE_FIRST_PORT), claimed with a lock file so that two
  checkouts starting at once never pick the same one, and printed.

Standard library only: `make clean-all` and the db-* targets run it without .venv.

    python scripts/checkout.py names [PATH]     # the names derived for PATH (default: here)
    python scripts/checkout.py serve [--host H] # manage.py runserver on the chosen port
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import socket
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Private clusters' ports: below Linux's ephemeral range (32768-60999), so that an outgoing
# connection never holds the port when the cluster starts again after a reboot.
PRIVATE_PORT_BASE = 25432
PRIVATE_PORT_SPAN = 1000
SERVE_FIRST_PORT = 8000
SERVE_PORTS_TRIED = 100


@dataclass(frozen=True)
class Names:
    database: str
    test_database: str
    private_port: int


def derived_names(root: Path = ROOT) -> Names:
    """Names for the checkout at `root`: its directory's name (sanitised) for a reader, a hash
    of its absolute path so that /a/havre and /b/havre differ. At most 37 characters, so
    that test_<name>_gw<n> (pytest-xdist) stays within PostgreSQL's 63."""
    path = str(Path(root).resolve())
    digest = hashlib.sha256(path.encode()).hexdigest()
    base = re.sub(r"[^a-z0-9]+", "_", Path(path).name.lower()).strip("_")[:24].rstrip("_")
    if not base.startswith("havre"):
        base = f"havre_{base}" if base else "havre"
    database = f"{base}_{digest[:6]}"
    port = PRIVATE_PORT_BASE + int(digest[6:14], 16) % PRIVATE_PORT_SPAN
    return Names(database=database, test_database=f"test_{database}", private_port=port)


def env_file(root: Path = ROOT) -> Path:
    return Path(root) / ".env"


def env_file_values(root: Path = ROOT) -> dict[str, str]:
    values = {}
    path = env_file(root)
    if path.is_file():
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.removeprefix("export ").split("=", 1)
            values[key.strip()] = value.strip().strip("'\"")
    return values


def setting(name: str, root: Path = ROOT) -> str | None:
    """A variable as the settings see it: the environment first, then .env."""
    return os.environ.get(name) or env_file_values(root).get(name) or None


def complete_env_file(values: dict[str, str], root: Path = ROOT) -> list[str]:
    """Append the variables of `values` that neither the environment nor .env sets; returns
    their names. Lines already there are kept as they are."""
    missing = {key: value for key, value in values.items() if setting(key, root) is None}
    if missing:
        path = env_file(root)
        text = path.read_text() if path.exists() else ""
        if text and not text.endswith("\n"):
            text += "\n"
        text += "".join(f"{key}={value}\n" for key, value in missing.items())
        path.write_text(text)
    return list(missing)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def claim_serve_port(host: str, first: int) -> tuple[int, int]:
    """The first port from `first` that is free and that no other checkout's `make run` is
    about to take: each holds an exclusive lock on <tmp>/havre-serve-<port>.lock while it
    serves (runserver binds only after its system checks, seconds later). Returns (port, lock
    fd)."""
    for port in range(first, first + SERVE_PORTS_TRIED):
        lock = Path(tempfile.gettempdir()) / f"havre-serve-{port}.lock"
        # Read-only is enough for flock, and lets another user's checkout open root's file.
        fd = os.open(lock, os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        if port_is_free(host, port):
            return port, fd
        os.close(fd)
    sys.exit(f"[serve] no free port from {first} to {port}: set PORT.")


def serve(host: str) -> None:
    port = setting("PORT")
    if port is None:
        first = int(setting("HAVRE_SERVE_FIRST_PORT") or SERVE_FIRST_PORT)
        chosen, lock_fd = claim_serve_port(host, first)
        # The lock lives as long as runserver's main process, which inherits it.
        os.set_inheritable(lock_fd, True)
        taken = f"{first}" if chosen == first + 1 else f"{first} to {chosen - 1}"
        note = "" if chosen == first else f" ({taken} taken)"
        print(f"[serve] http://{host}:{chosen}/{note}; PORT=<n> chooses", flush=True)
        port = str(chosen)
    elif not port_is_free(host, int(port)):
        sys.exit(f"[serve] PORT={port} is taken on {host}: unset PORT to take the first free one.")
    args = [sys.executable, str(ROOT / "manage.py"), "runserver", f"{host}:{port}"]
    os.execv(sys.executable, args)  # noqa: S606 (our own argv)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    names = commands.add_parser("names", help="the names derived for a checkout, as JSON")
    names.add_argument("path", nargs="?", default=str(ROOT))
    serve_parser = commands.add_parser("serve", help="runserver on PORT or the first free port")
    serve_parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    if args.command == "names":
        print(json.dumps(asdict(derived_names(Path(args.path)))))
    else:
        serve(args.host)


if __name__ == "__main__":
    main()
