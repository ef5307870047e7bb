"""Django's own commands on a seeded database, run as an operator runs them: `manage.py` in a
process of its own (a pseudo-terminal where it prompts), acting as `command:<name>`."""

import io
import json
import os
import pty
import secrets
import select
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.core.context import DbContext, db_context
from apps.listings.models import Listing
from tests import gunicorn
from tests.db import owner_connect

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded():
    call_command("seed", stdout=io.StringIO())


def manage_env(database_url: str | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url or gunicorn.test_database_url(),
        "PYTHONPATH": str(ROOT),
    }


def manage(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 — manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=manage_env(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def manage_in_terminal(*args: str, answers: list[str], seconds: float = 120) -> tuple[int, str]:
    """manage.py in a pseudo-terminal of its own (its controlling terminal: getpass reads
    there); each prompt ending in ": " gets the next answer. (exit code, everything shown)."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: becomes manage.py
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "manage.py", *args], manage_env())  # noqa: S606
    shown, since_answer, pending = b"", b"", list(answers)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 1)
        if not ready:
            continue
        try:
            data = os.read(terminal, 4096)
        except OSError:  # EIO: the child closed the terminal (it exited)
            break
        if not data:
            break
        shown, since_answer = shown + data, since_answer + data
        if pending and since_answer.rstrip(b" ").endswith(b":"):
            os.write(terminal, pending.pop(0).encode() + b"\n")
            since_answer = b""
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def owner_scalar(query: str):
    with owner_connect(autocommit=True) as conn:
        return conn.execute(query).fetchone()[0]


def test_changepassword_changes_a_seeded_accounts_password(seeded):
    new_password = secrets.token_urlsafe(16)

    code, shown = manage_in_terminal(
        "changepassword", "admin@example.com", answers=[new_password, new_password]
    )

    assert code == 0, shown
    assert "Password changed successfully for user 'admin@example.com'" in shown
    with db_context(DbContext.for_command("tests")):
        assert User.objects.get(email="admin@example.com").check_password(new_password)


def test_shell_sees_every_row_and_act_as_only_what_the_user_may(seeded):
    with db_context(DbContext.for_command("tests")):
        jane = User.objects.get(email="jane@example.com")
    with db_context(DbContext().with_user(jane)):
        jane_sees = (Listing.objects.count(), Booking.objects.count())
    code = (
        "print('all', User.objects.count(), Listing.objects.count(), Booking.objects.count())\n"
        "with act_as('jane@example.com'):\n"
        "    print('jane', Listing.objects.count(), Booking.objects.count())\n"
        "print('back', Booking.objects.count())\n"
    )

    result = manage("shell", "-c", code)

    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines() if line}
    tables = ("users", "listings", "bookings")
    assert lines["all"] == [str(owner_scalar(f"SELECT count(*) FROM {t}")) for t in tables]  # noqa: S608
    assert lines["jane"] == [str(n) for n in jane_sees]
    assert int(lines["jane"][1]) < owner_scalar("SELECT count(*) FROM bookings")
    assert lines["back"] == [str(owner_scalar("SELECT count(*) FROM bookings"))]
    assert "the database session acts as command:shell" in result.stdout
    assert 'act_as("jane@example.com")' in result.stdout


def test_dumpdata_accounts_holds_every_seeded_user(seeded):
    dumped = manage("dumpdata", "accounts")

    assert dumped.returncode == 0, dumped.stderr
    rows = json.loads(dumped.stdout)
    emails = {row["fields"]["email"] for row in rows if row["model"] == "accounts.user"}
    assert emails == seeded_emails() and "admin@example.com" in emails


def seeded_emails() -> set[str]:
    with owner_connect(autocommit=True) as conn:
        return {email for (email,) in conn.execute("SELECT email FROM users")}


def test_loaddata_of_the_dump_into_an_empty_database(seeded, tmp_path):
    """The accounts with the staff groups they belong to (by natural key for their
    permissions): what a fresh database needs to take them."""
    dumped = manage("dumpdata", "accounts", "auth.group", "--natural-foreign")
    assert dumped.returncode == 0, dumped.stderr
    rows = json.loads(dumped.stdout)
    fixture = tmp_path / "accounts.json"
    fixture.write_text(dumped.stdout)
    empty = f"{connection.settings_dict['NAME']}_load_{secrets.token_hex(4)}"
    url = gunicorn.test_database_url().rsplit("/", 1)[0] + f"/{empty}"
    with owner_connect(autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{empty}"')
    try:
        # Migrated, then emptied of the data migrations' rows (the default tenant, the staff
        # groups): an empty database.
        for args in (("migrate", "--noinput", "-v0"), ("flush", "--noinput", "-v0")):
            prepared = manage(*args, database_url=url)
            assert prepared.returncode == 0, prepared.stderr

        loaded = manage("loaddata", str(fixture), database_url=url)

        assert loaded.returncode == 0, loaded.stderr
        assert f"Installed {len(rows)} object(s)" in loaded.stdout
        with psycopg.connect(url, autocommit=True) as conn:
            loaded_emails = {email for (email,) in conn.execute("SELECT email FROM users")}
            staff_in_groups = conn.execute("SELECT count(*) FROM users_groups").fetchone()[0]
            # Django moved the sequence past the loaded ids (as the owner may).
            next_id = conn.execute("SELECT nextval('users_id_seq')").fetchone()[0]
        assert loaded_emails == seeded_emails()
        assert staff_in_groups == owner_scalar("SELECT count(*) FROM users_groups") > 0
        assert next_id > max(row["pk"] for row in rows if row["model"] == "accounts.user")
    finally:
        with owner_connect(autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)')
