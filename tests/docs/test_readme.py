"""The README's curl session ("The API in a few curl calls") runs as written.

Its shell blocks are read from README.md (this file holds no copy of them) and given to bash,
as a newcomer pastes them, against what `make run` serves — `manage.py runserver` with the
development settings — on the test database, `PORT` in bash's environment. The
`manage.py` the session runs itself reaches the same database (DATABASE_URL). bash runs with
`-e -u -o pipefail`: a failing command, an error answer or an unset variable stops the
session and fails the test. The stay's dates come from the day the session runs: it runs
twice, in the time zones 26 hours apart, which also proves it can be re-run.
"""

import io
import json
import os
import re
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.core.context import DbContext, db_context
from apps.reviews.models import Review
from tests.gunicorn import delete_cache_keys, request, serving, shared_cache_prefix
from tests.gunicorn import test_database_url as database_url
from tests.helpers import unused_port

ROOT = Path(settings.BASE_DIR)
SECTION = "## The API in a few curl calls"
# The local day is a day ahead of UTC's (the server's) in the first, behind in the second.
TIME_ZONES = ("Etc/GMT-14", "Etc/GMT+12")
STATUS_LINE = re.compile(r"^HTTP (\d{3})$", re.MULTILINE)


def session_blocks(readme: str) -> list[str]:
    """The ```sh blocks of the session's section, in order."""
    assert SECTION in readme, f"README.md has no section {SECTION!r}"
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```sh\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)


def readme_session() -> str:
    blocks = session_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert blocks, "the session's section holds no ```sh block"
    return "\n".join(blocks)


@dataclass(repr=False)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def statuses(self) -> list[int]:
        """The HTTP status of every call shown, in order (the session prints one after each
        answer; a call whose answer it reads prints it on stderr, with the answer, when it
        fails)."""
        return [int(status) for status in STATUS_LINE.findall(self.stdout)]

    @property
    def failed_statuses(self) -> list[int]:
        return [int(status) for status in STATUS_LINE.findall(self.stderr)]

    def problems(self) -> list[str]:
        problems = []
        if self.returncode != 0:
            problems.append(f"bash exited {self.returncode}")
        statuses = self.statuses + self.failed_statuses
        if errors := [status for status in statuses if not 200 <= status < 300]:
            problems.append(f"error answers: {errors}")
        if not self.statuses or self.statuses[-1] != 201:
            problems.append(f"the last call (the review) did not answer 201: {self.statuses}")
        return problems

    def last_answer(self) -> dict:
        """The JSON answer printed just before the last status line."""
        body = self.stdout[: list(STATUS_LINE.finditer(self.stdout))[-1].start()]
        return json.loads(body.rstrip("\n").rsplit("\n", 1)[-1])

    def __repr__(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


@pytest.fixture
def dev_server(tmp_path):
    """`manage.py runserver` (config.settings.dev, as `make run`) on a free port, serving the
    seeded test database; yields the environment a shell session needs to reach it."""
    call_command("seed", stdout=io.StringIO())
    port = unused_port()
    cache_prefix = shared_cache_prefix(f"readme-{secrets.token_hex(4)}")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": database_url(),
        "TEST_DATABASE_NAME": settings.DATABASES["default"]["NAME"],
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "CACHE_KEY_PREFIX": cache_prefix,
        "LOG_LEVEL": "WARNING",
        "PORT": str(port),
    }
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    try:
        with serving(command, env=env, log=tmp_path / "runserver.log", port=port):
            yield env
    finally:
        delete_cache_keys(cache_prefix)


def run_session(script: str, env: dict[str, str], *, time_zone: str) -> Run:
    done = subprocess.run(  # noqa: S603 — the README's own commands
        ["bash", "-e", "-u", "-o", "pipefail", "-c", script],  # noqa: S607
        cwd=ROOT,
        env={**env, "TZ": time_zone},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def reviews() -> set[int]:
    with db_context(DbContext.system("tests")):
        return set(Review.objects.values_list("pk", flat=True))


def test_the_session_names_no_date():
    # Dates written into the README stop working the day they pass.
    assert re.findall(r"\b\d{4}-\d{2}-\d{2}\b", readme_session()) == []


@pytest.mark.django_db(transaction=True)  # the server sees committed rows only
def test_the_readme_session_runs_to_its_review_again_and_again(dev_server):
    script = readme_session()

    # Twice (re-runnable), a day ahead of the server's UTC date and a day behind.
    for time_zone in TIME_ZONES:
        before = reviews()
        run = run_session(script, dev_server, time_zone=time_zone)

        assert run.problems() == [], run
        [new_review] = reviews() - before
        assert run.last_answer()["id"] == new_review, run

    # Five runs a minute stay under the development auth throttle (production: 10/min,
    # tests/core/test_throttling.py), on top of the two above.
    logins = len(re.findall(r"\$API/auth/(?:register|token|email/verify)/", script))
    assert logins > 0
    url = f"http://127.0.0.1:{dev_server['PORT']}/api/v1/auth/token/"
    json_body = {"data": b"{}", "headers": {"Content-Type": "application/json"}}
    statuses = {request(url, **json_body)[0] for _ in range(5 * logins)}
    assert statuses == {400}  # the empty form refused, never 429 throttled

    # Drift: a step answering an error (here the first call, sent to a path the API does not
    # have) stops the session there, the API's error printed.
    drifted = script.replace("$API/", "$API/no-such-route/", 1)
    assert drifted != script
    run = run_session(drifted, dev_server, time_zone="UTC")

    assert run.returncode != 0 and run.statuses + run.failed_statuses == [404], run
    assert run.problems() != [] and '{"error":' in run.stdout + run.stderr
