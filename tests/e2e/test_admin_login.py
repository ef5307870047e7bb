import pytest

from apps.core.context import DbContext, db_context
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_log_in_to_the_back_office(page, shoot):
    with db_context(DbContext.system("tests")):
        UserFactory(email="moderator@example.com", staff=True, is_superuser=True)

    page.goto("/admin/")
    page.fill("#id_username", "moderator@example.com")
    page.fill("#id_password", DEFAULT_PASSWORD)
    shoot("00-login")
    page.click("input[type=submit]")

    page.wait_for_selector("#site-name")
    assert "Havre back-office" in page.inner_text("#site-name")
    shoot("01-dashboard")


def test_wrong_password_is_refused(page):
    with db_context(DbContext.system("tests")):
        UserFactory(email="someone@example.com", staff=True)

    page.goto("/admin/")
    page.fill("#id_username", "someone@example.com")
    page.fill("#id_password", "not-the-password")
    page.click("input[type=submit]")

    # The answer is a new page: wait for it (is_visible() alone would look at the old one).
    page.wait_for_selector(".errornote")
    assert "enter the correct email" in page.inner_text(".errornote").lower()
