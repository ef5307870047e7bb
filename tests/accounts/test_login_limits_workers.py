"""Brute force against a real gunicorn with 4 worker processes: the limits hold across them.

Each test fires 40 wrong passwords at once (16 client threads) and counts the attempts whose
password was actually checked (400 invalid_credentials, or the admin's "Please enter the
correct...") against those refused before it (429). A per-process counter let 40-81 through
for a limit of 10; the bound asserted is the configured limit plus one per worker, the most a
check made before counting could let through (ours counts and checks in one step, so the
figures printed are the limit itself).
"""

import json
import re
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from apps.core.context import DbContext, db_context
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.gunicorn import gunicorn, request

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 4
AUTH_RATE = 10  # THROTTLE_AUTH, per minute and client address
ACCOUNT_LIMIT = 5  # LOGIN_FAILURE_LIMIT
ADDRESS_LIMIT = 15  # LOGIN_FAILURE_IP_LIMIT: above AUTH_RATE, so the API shows the throttle
ATTEMPTS = 40


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        with gunicorn(
            workers=WORKERS,
            log=tmp_path_factory.mktemp("gunicorn") / "error.log",
            THROTTLE_AUTH=f"{AUTH_RATE}/min",
            LOGIN_FAILURE_LIMIT=str(ACCOUNT_LIMIT),
            LOGIN_FAILURE_IP_LIMIT=str(ADDRESS_LIMIT),
            LOGIN_FAILURE_WINDOW="600",
            # The clients below speak through a trusted "proxy": X-Forwarded-For is the address.
            TRUSTED_PROXIES="127.0.0.1/32",
        ) as base_url:
            yield base_url


@pytest.fixture
def server_user(settings):
    """Users whose password the production hasher (PBKDF2) verifies."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

    def create(email, **kwargs):
        with db_context(DbContext.system("tests")):
            return UserFactory(email=email, **kwargs)

    return create


def api_login(server, email, password, ip):
    status, headers, body = request(
        f"{server}/api/v1/auth/token/",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": ip},
    )
    if status == 400:
        assert json.loads(body)["error"]["code"] == "invalid_credentials", body
        return "checked"
    return _refused_or_status(status, headers)


def admin_login(server, email, password, ip):
    status, headers, body = request(f"{server}/admin/login/")
    assert status == 200
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
    csrf_field = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = {"username": email, "password": password, "csrfmiddlewaretoken": csrf_field.decode()}
    status, headers, body = request(
        f"{server}/admin/login/",
        data=urllib.parse.urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "X-Forwarded-For": ip,
        },
    )
    if status == 200:
        assert b"Please enter the correct" in body, body[:2000]
        return "checked"
    if status == 429:
        assert b"Too many failed logins" in body
    return _refused_or_status(status, headers)


def _refused_or_status(status, headers):
    if status == 429:
        assert int(headers["Retry-After"]) > 0
        return "refused"
    return status


def assert_limit_holds(name, login, server, calls, *, limit):
    """Fire `calls` at once; the attempts checked stay within the limit (+1 per worker)."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = Counter(pool.map(lambda args: login(server, *args), calls))
    print(f"\n{name}: {len(calls)} attempts, {outcomes['checked']} checked, "
          f"{outcomes['refused']} refused (limit {limit}, {WORKERS} workers)")  # fmt: skip
    assert set(outcomes) <= {"checked", "refused"}, outcomes
    assert 1 <= outcomes["checked"] <= limit + WORKERS


LOGINS = [api_login, admin_login]


@pytest.mark.parametrize(
    ("login", "limit", "setting"),
    # The API's auth throttle (10) trips before the address limiter (15); the admin has only
    # the limiter.
    [
        (api_login, AUTH_RATE, "THROTTLE_AUTH"),
        (admin_login, ADDRESS_LIMIT, "LOGIN_FAILURE_IP_LIMIT"),
    ],
    ids=["api", "admin"],
)
def test_an_address_is_limited_across_workers(server, server_user, login, limit, setting):
    user = server_user(f"someone-{login.__name__}@example.com", staff=True)
    address = f"203.0.113.{LOGINS.index(login) + 1}"

    assert_limit_holds(
        f"{login.__name__}, one address, distinct accounts ({setting})",
        login,
        server,
        [(f"guess{n}@example.com", "wrong", address) for n in range(ATTEMPTS)],
        limit=limit,
    )
    # The address is refused for every account, the right password included; another address
    # logs in (API 201, admin 302).
    assert login(server, user.email, DEFAULT_PASSWORD, address) == "refused"
    assert login(server, user.email, DEFAULT_PASSWORD, "192.0.2.200") in (201, 302)


@pytest.mark.parametrize("login", LOGINS, ids=["api", "admin"])
def test_an_account_lock_holds_across_workers_and_addresses(server, server_user, login):
    victim = server_user(f"victim-{login.__name__}@example.com", staff=True)
    addresses = [f"198.51.{100 + LOGINS.index(login)}.{n + 1}" for n in range(ATTEMPTS)]

    assert_limit_holds(
        f"{login.__name__}, one account, distinct addresses (LOGIN_FAILURE_LIMIT)",
        login,
        server,
        [(victim.email, f"guess-{n}", address) for n, address in enumerate(addresses)],
        limit=ACCOUNT_LIMIT,
    )
    # Locked: even the right password, from an address never seen, is refused unchecked.
    assert login(server, victim.email, DEFAULT_PASSWORD, "192.0.2.201") == "refused"
