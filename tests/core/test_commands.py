"""Every management command — Django's, libraries', ours, found by get_commands() — acts as
`command:<name>` towards PostgreSQL (apps/core/commands.py), or refuses, naming how to run it,
in a process that serves requests; servers never act as a command."""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, get_commands, load_command_class
from django.db import connection

from apps.core import commands
from apps.core.context import DbContext, current, db_context
from apps.core.db import timeouts
from tests import gunicorn
from tests.factories import UserFactory
from tests.helpers import unused_port

ROOT = Path(__file__).resolve().parents[2]


def probe(name: str) -> list[str | None]:
    """Run command `name` as Django would — its own class and execute() (owner switch,
    options…) — with a handle() that reports the actor PostgreSQL sees: on the connection
    the command found, then on a connection opened afresh."""
    command_class = type(load_command_class(get_commands()[name], name))
    seen = []

    def handle(self, *args, **options):
        seen.append(current()["app.actor"])
        connection.close()
        seen.append(current()["app.actor"])

    # Same module, so that it bears the command's name (management/commands/<name>.py).
    probe_class = type("Probe", (command_class,), {"handle": handle})
    probe_class.__module__ = command_class.__module__
    command = probe_class()
    parser = command.create_parser("manage.py", name)
    options = {action.dest: action.default for action in parser._actions if action.dest != "help"}
    command.execute(**{**options, "skip_checks": True})
    return seen


ALL_COMMANDS = sorted(get_commands())


def test_the_discovery_finds_django_and_our_commands():
    assert {"changepassword", "shell", "dumpdata", "loaddata", "seed", "dbrestore"} <= set(
        ALL_COMMANDS
    )


@pytest.mark.django_db(transaction=True)
def test_every_command_acts_as_itself_and_servers_as_nobody():
    acted = {name: probe(name) for name in ALL_COMMANDS}

    expected = {
        name: [None, None] if name in commands.SERVERS else [f"command:{name}"] * 2
        for name in ALL_COMMANDS
    }
    assert acted == expected
    assert current()["app.actor"] is None  # nothing is left on the connection afterwards


@pytest.mark.django_db(transaction=True)
def test_in_a_process_that_serves_requests_commands_refuse_saying_how_to_run_them(monkeypatch):
    monkeypatch.setattr(timeouts, "_entry_point", timeouts.WEB)
    refusals, served = {}, {}
    for name in ALL_COMMANDS:
        if name in commands.SERVERS:
            served[name] = probe(name)
            continue
        with pytest.raises(CommandError) as refused:
            probe(name)
        refusals[name] = str(refused.value)

    assert served == {name: [None, None] for name in commands.SERVERS}
    for name, message in refusals.items():
        assert message == commands.REFUSAL.format(name=name)
        assert f"python manage.py {name}" in message and "PgBouncer" in message
    assert current()["app.actor"] is None


@pytest.mark.django_db
def test_a_context_inside_a_command_wins_then_the_command_comes_back():
    before = current()["app.actor"]
    seen = []

    def handle(self, *args, **options):
        seen.append(current()["app.actor"])
        with db_context(DbContext(actor="anonymous")):
            seen.append(current()["app.actor"])
        seen.append(current()["app.actor"])

    command_class = type(load_command_class("apps.core", "audit"))
    probe_class = type("Probe", (command_class,), {"handle": handle})
    probe_class.__module__ = command_class.__module__
    call_command(probe_class(), "users", "1")

    assert seen == ["command:audit", "anonymous", "command:audit"]
    # The test's own (transaction-local) context is back.
    assert before == "system:tests" and current()["app.actor"] == before


@pytest.mark.django_db(transaction=True)
def test_outside_commands_a_connection_is_nobody_and_sees_no_private_row():
    with db_context(DbContext.for_command("tests")):
        UserFactory()
    connection.close()

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.actor', true), count(*) FROM users")
        assert cursor.fetchone() in ((None, 0), ("", 0))


def test_our_commands_print_their_help_as_written():
    ours = {name: app for name, app in get_commands().items() if app.startswith("apps.")}
    assert {"seed", "dbrestore", "dbinfo", "shell", "migrate"} <= set(ours)
    for name, app in ours.items():
        command = load_command_class(app, name)
        parser = command.create_parser("manage.py", name)
        assert issubclass(parser.formatter_class, argparse.RawDescriptionHelpFormatter), name
        text = parser.format_help()
        for line in (command.help or "").strip("\n").splitlines():
            assert line.rstrip() in text, (name, line)


@pytest.mark.django_db(transaction=True)
def test_a_request_served_by_runserver_does_not_run_as_a_command():
    port = unused_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.core.commands_probe",
        "DATABASE_URL": gunicorn.test_database_url(),
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(  # noqa: S603 — our own server, fixed arguments
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        session = _get_json(f"http://127.0.0.1:{port}/health/session-context/", server)
        request = _get_json(f"http://127.0.0.1:{port}/request-context/", server)
    finally:
        server.terminate()
        errors = server.communicate(timeout=30)[1].decode()

    # The server's connection carries no command context of its own...
    assert session["app.actor"] is None and session["app.request_id"] is None, errors
    # ...and a request acts as whoever sent it (here, nobody logged in).
    assert request["app.actor"] == "anonymous", errors


def _get_json(url: str, server: subprocess.Popen, seconds: float = 90) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 — loopback
                return json.loads(response.read())
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
