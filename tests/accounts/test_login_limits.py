"""The failed-login limiter, per account and per address, on the API and the admin login."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers import error, redis_down

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ADMIN_LOGIN_URL = "/admin/login/"


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_IP_LIMIT = 5
    settings.LOGIN_FAILURE_WINDOW = 600
    return settings


def api_login(email, password, ip="203.0.113.7"):
    return APIClient().post(
        TOKEN_URL, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip
    )


def admin_login(email, password, ip="203.0.113.7"):
    return Client().post(
        ADMIN_LOGIN_URL,
        {"username": email, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def test_an_account_is_locked_after_its_failures_even_for_the_right_password(limits):
    user = UserFactory(email="ana@example.com")

    statuses = [
        api_login(user.email, "wrong", ip=f"198.51.100.{n}").status_code for n in range(1, 4)
    ]
    locked = api_login(user.email, DEFAULT_PASSWORD, ip="198.51.100.99")

    assert statuses == [400, 400, 400]
    error(locked, 429, "throttled")
    assert "failed logins" in locked.json()["error"]["message"]
    assert 590 <= int(locked["Retry-After"]) <= 600


def test_the_account_key_is_the_normalized_address(limits):
    UserFactory(email="ana@example.com")

    for spelling in ("ana@example.com", "ANA@example.com", "Ana@Example.COM"):
        assert api_login(spelling, "wrong", ip="198.51.100.1").status_code == 400

    locked = api_login("aNa@EXAMPLE.com", DEFAULT_PASSWORD, ip="198.51.100.2")
    error(locked, 429, "throttled")


def test_an_address_is_locked_after_failures_across_accounts(limits):
    UserFactory(email="victim@example.com")

    statuses = [api_login(f"guess{n}@example.com", "wrong").status_code for n in range(5)]

    assert statuses == [400] * 5
    # The address is locked for every account, the right password included...
    error(api_login("victim@example.com", DEFAULT_PASSWORD), 429, "throttled")
    # ...and only that address.
    assert api_login("victim@example.com", DEFAULT_PASSWORD, ip="192.0.2.1").status_code == 201


def test_a_success_clears_the_account_but_not_the_address_failures_on_others(limits):
    user = UserFactory(email="ana@example.com")
    for _ in range(2):
        assert api_login(user.email, "wrong").status_code == 400
    for n in range(2):
        assert api_login(f"other{n}@example.com", "wrong").status_code == 400

    assert api_login(user.email, DEFAULT_PASSWORD).status_code == 201

    # The account starts again from zero: three more failures before its lock...
    assert api_login(user.email, "wrong", ip="192.0.2.1").status_code == 400
    assert api_login(user.email, "wrong", ip="192.0.2.1").status_code == 400
    # ...while the address still carries its four failures (2 on ana, 2 on others): one more
    # and it is locked, whatever account it tries.
    assert api_login("other9@example.com", "wrong").status_code == 400
    error(api_login("other10@example.com", "wrong"), 429, "throttled")


def test_a_request_refused_by_validation_counts_nothing(limits):
    for _ in range(10):
        assert api_login("ana@example.com", "").status_code == 400

    user = UserFactory(email="ana@example.com")
    assert api_login(user.email, DEFAULT_PASSWORD).status_code == 201


def test_the_admin_login_is_limited_with_a_clear_message(limits):
    staff = UserFactory(email="moderator@example.com", staff=True)

    refused = [admin_login(staff.email, "wrong", ip=f"198.51.100.{n}") for n in range(1, 4)]
    locked = admin_login(staff.email, DEFAULT_PASSWORD, ip="198.51.100.50")

    assert [response.status_code for response in refused] == [200, 200, 200]
    assert all(b"Please enter the correct" in response.content for response in refused)
    assert locked.status_code == 429
    assert 590 <= int(locked["Retry-After"]) <= 600
    assert b"Too many failed logins for this account or from this address" in locked.content
    assert b"Try again in 10 minutes" in locked.content
    assert "_auth_user_id" not in locked.wsgi_request.session


def test_admin_and_api_failures_share_the_counters(limits):
    staff = UserFactory(email="moderator@example.com", staff=True)
    assert admin_login(staff.email, "wrong").status_code == 200
    assert api_login(staff.email, "wrong").status_code == 400
    assert admin_login(staff.email, "wrong").status_code == 200

    error(api_login(staff.email, DEFAULT_PASSWORD), 429, "throttled")


def test_an_admin_login_that_succeeds_logs_in(limits):
    staff = UserFactory(email="moderator@example.com", staff=True)
    assert admin_login(staff.email, "wrong").status_code == 200

    response = admin_login(staff.email, DEFAULT_PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_with_redis_down_logins_are_refused_with_503_not_500(settings):
    # Fail closed: without its counters the limiter cannot bound guesses, so it checks none.
    user = UserFactory(email="ana@example.com", staff=True)
    redis_down(settings)

    api = api_login(user.email, DEFAULT_PASSWORD)
    admin = admin_login(user.email, DEFAULT_PASSWORD)

    error(api, 503, "throttle_unavailable")
    assert int(api["Retry-After"]) > 0
    assert admin.status_code == 503 and int(admin["Retry-After"]) > 0
    assert b"Logins are paused" in admin.content
    assert "_auth_user_id" not in admin.wsgi_request.session
