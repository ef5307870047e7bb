"""A staff member's session in a real browser: log in, use the admin and the browsable API,
log out — while the table holds only the digest of the cookie's key."""

import pytest

from apps.core.context import DbContext, db_context
from apps.core.sessions import key_digest
from tests.db import execute
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def stored_keys():
    with db_context(DbContext.system("session")):
        return [key for (key,) in execute("SELECT session_key FROM django_session")]


def test_a_browser_session_from_login_to_logout(page):
    with db_context(DbContext.system("tests")):
        UserFactory(email="support@example.com", staff=True, is_superuser=True)

    page.goto("/admin/")
    page.fill("#id_username", "support@example.com")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")

    [cookie] = [c["value"] for c in page.context.cookies() if c["name"] == "sessionid"]
    assert stored_keys() == [key_digest(cookie)]

    page.goto("/api/v1/users/me/")  # the browsable API, on the admin's session
    assert "support@example.com" in page.inner_text("body")

    page.goto("/admin/")
    page.click("#logout-form button")
    page.wait_for_selector("text=Log in again")
    assert stored_keys() == []
    page.goto("/admin/")
    assert page.locator("#id_username").is_visible()  # back to the login page
