"""Two app servers behind a real load balancer: HAProxy (Debian's) running docker/haproxy.cfg,
the compose `lb` service's configuration, as is, round-robin over two gunicorns on free loopback
ports, each with two worker processes. They share nothing but what production shares: the test
database (sessions, tokens) and Redis (throttles, the failed-login limiter), and SECRET_KEY.

Which instance answered a request is read from the instances' own logs: every response carries
its X-Request-ID, and exactly one instance's log holds the request line with that id. Clients
send from addresses of their own in 127.0.0.0/8; the balancer reaches the instances from
127.0.0.1, the one trusted proxy (TRUSTED_PROXIES).
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.core.context import DbContext, db_context
from tests.docs.test_readme import readme_session, reviews, run_session
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.gunicorn import (
    delete_cache_keys,
    gunicorn,
    haproxy,
    request,
    shared_cache_prefix,
)
from tests.gunicorn import test_database_url as database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

AUTH_RATE = 10  # production's THROTTLE_AUTH, per minute and client address
PROXY = "127.0.0.1"  # where HAProxy connects from, on loopback
FORGED = "203.0.113.66"  # what a client claims to be in its own X-Forwarded-For


@dataclass
class Balanced:
    url: str  # the balancer
    instances: dict[str, str]  # name: base URL, for requests that bypass the balancer
    logs: dict[str, Path]
    secret_key: str
    cache_prefix: str

    def request_lines(self) -> dict[str, dict]:
        """Every request line logged so far (havre.request), by request id, each with the
        instance that wrote it under "instance"."""
        lines = {}
        for name, log in self.logs.items():
            for text in log.read_text().splitlines():
                try:
                    line = json.loads(text)
                except ValueError:
                    continue
                if line.get("logger") == "havre.request":
                    assert line["request_id"] not in lines, line  # logged once, by one instance
                    lines[line["request_id"]] = {**line, "instance": name}
        return lines

    def served(self, *headers, seconds: float = 10.0) -> list[dict]:
        """The request lines of the answers whose `headers` are given, in order (waiting for a
        line a worker has not written yet)."""
        wanted = [header["X-Request-ID"] for header in headers]
        deadline = time.monotonic() + seconds
        while True:
            lines = self.request_lines()
            if all(request_id in lines for request_id in wanted) or time.monotonic() > deadline:
                return [lines[request_id] for request_id in wanted]
            time.sleep(0.1)


@pytest.fixture(scope="module")
def balanced(django_db_setup, django_db_blocker, tmp_path_factory):
    directory = tmp_path_factory.mktemp("balanced")
    shared = {
        # What makes instances interchangeable: one key signing sessions and links, one set of
        # counters in Redis.
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CACHE_KEY_PREFIX": shared_cache_prefix(f"balanced-{secrets.token_hex(4)}"),
        "TRUSTED_PROXIES": f"{PROXY}/32",
        "FORWARDED_ALLOW_IPS": PROXY,
        "THROTTLE_AUTH": f"{AUTH_RATE}/min",
        "LOG_LEVEL": "INFO",
    }
    logs = {name: directory / f"{name}.log" for name in ("web1", "web2")}
    with (
        django_db_blocker.unblock(),
        gunicorn(workers=2, log=logs["web1"], **shared) as web1,
        gunicorn(workers=2, log=logs["web2"], **shared) as web2,
        haproxy(web1, web2, log=directory / "haproxy.log") as url,
    ):
        yield Balanced(
            url,
            {"web1": web1, "web2": web2},
            logs,
            shared["SECRET_KEY"],
            shared["CACHE_KEY_PREFIX"],
        )


@pytest.fixture(autouse=True)
def _fresh_counters(balanced):
    """Each test starts with no throttle counted and nothing cached by the instances: the
    default tenant's id they cached is gone with the flush after a transactional test."""
    delete_cache_keys(balanced.cache_prefix)


def alternate(instances: list[str]) -> bool:
    """Each request served by the other instance than the one before it (round robin)."""
    pairs = zip(instances, instances[1:], strict=False)
    return len(instances) > 1 and all(a != b for a, b in pairs)


def test_requests_alternate_and_the_client_is_the_one_the_balancer_names(balanced):
    # Six requests in a row from 127.0.0.2, the last ones with a forged X-Forwarded-For.
    answers = [request(f"{balanced.url}/api/v1/", source="127.0.0.2") for _ in range(4)]
    answers += [
        request(f"{balanced.url}/api/v1/", source="127.0.0.2", headers={"X-Forwarded-For": FORGED})
        for _ in range(2)
    ]
    assert [status for status, _, _ in answers] == [200] * 6

    lines = balanced.served(*(headers for _, headers, _ in answers))
    assert alternate([line["instance"] for line in lines]), lines
    # Each instance saw HAProxy's connection and believed the address it appended; the forged
    # entry lies left of it and is never read.
    assert {line["client_ip"] for line in lines} == {"127.0.0.2"}
    assert all(line["status"] == 200 and line["path"] == "/api/v1/" for line in lines)

    # Straight to an instance, the same forged header from a peer that is no trusted proxy is
    # ignored: the client is the peer.
    _, headers, _ = request(
        f"{balanced.instances['web2']}/api/v1/",
        source="127.0.0.3",
        headers={"X-Forwarded-For": FORGED},
    )
    [direct] = balanced.served(headers)
    assert (direct["instance"], direct["client_ip"]) == ("web2", "127.0.0.3")

    # Trusted means trusted: a peer at the proxy's address is believed. The instances must be
    # reachable from the balancer alone (docs/setup.md, "Load balancing").
    _, headers, _ = request(
        f"{balanced.instances['web1']}/api/v1/", headers={"X-Forwarded-For": "198.51.100.9"}
    )
    assert balanced.served(headers)[0]["client_ip"] == "198.51.100.9"


def test_a_throttle_counts_across_both_instances(balanced):
    """Production's auth throttle (10 a minute per client) through the balancer: the eleventh
    call is refused, though each instance saw only half of them — and however the client
    rewrites X-Forwarded-For."""
    answers = []
    for attempt in range(AUTH_RATE + 1):
        answers.append(
            request(
                f"{balanced.url}/api/v1/auth/token/",
                data=b"{}",
                source="127.0.0.4",
                headers={
                    "Content-Type": "application/json",
                    "X-Forwarded-For": f"198.51.100.{attempt + 1}",
                },
            )
        )
    statuses = [status for status, _, _ in answers]
    assert statuses == [400] * AUTH_RATE + [429], statuses
    assert json.loads(answers[-1][2])["error"]["code"] == "throttled"
    assert int(answers[-1][1]["Retry-After"]) > 0

    lines = balanced.served(*(headers for _, headers, _ in answers))
    instances = [line["instance"] for line in lines]
    assert alternate(instances), instances
    assert max(instances.count("web1"), instances.count("web2")) <= AUTH_RATE // 2 + 1
    assert {line["client_ip"] for line in lines} == {"127.0.0.4"}

    # The same client straight at either instance: the count is theirs together.
    for base_url in balanced.instances.values():
        status, _, _ = request(
            f"{base_url}/api/v1/auth/token/",
            data=b"{}",
            source="127.0.0.4",
            headers={"Content-Type": "application/json"},
        )
        assert status == 429, base_url


@pytest.fixture
def staff_member(settings):
    """A staff member whose password the servers' hasher (PBKDF2, production's) verifies."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    with db_context(DbContext.system("tests")):
        return UserFactory(email=f"staff-{secrets.token_hex(3)}@example.com", is_staff=True)


def cookies(headers) -> dict[str, str]:
    found = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, value = header.split(";", 1)[0].split("=", 1)
        found[name] = value
    return found


def test_a_login_on_one_instance_holds_on_the_other(balanced, staff_member):
    json_headers = {"Content-Type": "application/json"}
    # An API token, made by one instance, used on both, revoked on one: refused by both.
    login = request(
        f"{balanced.url}/api/v1/auth/token/",
        data=json.dumps({"email": staff_member.email, "password": DEFAULT_PASSWORD}).encode(),
        headers=json_headers,
        source="127.0.0.5",
    )
    assert login[0] == 201, login[2]
    bearer = {"Authorization": f"Bearer {json.loads(login[2])['key']}"}
    me = [request(f"{balanced.url}/api/v1/users/me/", headers=bearer) for _ in range(2)]
    assert [status for status, _, _ in me] == [200, 200]
    assert {json.loads(body)["email"] for _, _, body in me} == {staff_member.email}
    logout = request(f"{balanced.url}/api/v1/auth/token/", method="DELETE", headers=bearer)
    assert logout[0] == 204
    after = [request(f"{balanced.url}/api/v1/users/me/", headers=bearer) for _ in range(2)]
    assert [status for status, _, _ in after] == [401, 401]
    lines = balanced.served(*(headers for _, headers, _ in [login, *me, logout, *after]))
    assert alternate([line["instance"] for line in lines]), lines

    # The admin's session (a cookie; the session in PostgreSQL), with its CSRF token: the form
    # from one instance, posted to the other, the session used on both.
    admin = f"{balanced.url}/{settings.ADMIN_URL}"
    form = request(f"{admin}login/")
    csrf_cookie = cookies(form[1])["csrftoken"]
    csrf_field = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form[2]).group(1)
    posted = request(
        f"{admin}login/",
        data=(
            f"username={staff_member.email.replace('@', '%40')}&password={DEFAULT_PASSWORD}"
            f"&csrfmiddlewaretoken={csrf_field.decode()}"
        ).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
        },
    )
    assert posted[0] == 302, posted[2][:2000]
    session = {"Cookie": f"sessionid={cookies(posted[1])['sessionid']}"}
    index = [request(admin, headers=session) for _ in range(2)]
    assert [status for status, _, _ in index] == [200, 200]
    assert all(staff_member.email.encode() in body for _, _, body in index)
    lines = balanced.served(*(headers for _, headers, _ in [form, posted, *index]))
    assert alternate([line["instance"] for line in lines]), lines


def test_the_readme_session_runs_through_the_balancer(balanced):
    """The README's curl session, as written, with PORT the balancer's: sign-ups, e-mail
    verification links (made by manage.py with the instances' SECRET_KEY), logins, a listing,
    a booking the host confirms, a message, a review — each step served by whichever instance
    the balancer chose."""
    call_command("seed", stdout=io.StringIO())  # the demo listings `seed --demo-stay` uses
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": database_url(),
        "TEST_DATABASE_NAME": settings.DATABASES["default"]["NAME"],
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "CACHE_KEY_PREFIX": balanced.cache_prefix,
        "SECRET_KEY": balanced.secret_key,
        "LOG_LEVEL": "WARNING",
        "PORT": balanced.url.rsplit(":", 1)[1],
    }
    before = reviews()
    seen = set(balanced.request_lines())

    run = run_session(readme_session(), env, time_zone="UTC")

    assert run.problems() == [], run
    [new_review] = reviews() - before
    assert run.last_answer()["id"] == new_review, run
    # The session's calls (not the health checks HAProxy sends each instance), one after the
    # other: round robin shares them out evenly.
    api = [
        line
        for key, line in balanced.request_lines().items()
        if key not in seen and line["path"].startswith("/api/v1/")
    ]
    by_instance = {name: sum(line["instance"] == name for line in api) for name in balanced.logs}
    assert len(api) > 10 and abs(by_instance["web1"] - by_instance["web2"]) <= 1, by_instance
    assert {line["client_ip"] for line in api} == {"127.0.0.1"}
