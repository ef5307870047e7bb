"""What the browser tests do in the back-office again and again."""

from django.contrib.auth.models import Group

from apps.core.context import DbContext, db_context
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD


def staff(email, group=None, *, superuser=False):
    with db_context(DbContext.system("tests")):
        user = UserFactory(
            email=email, name=email.split("@")[0].title(), staff=True, is_superuser=superuser
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
    return user


def log_in(page, email):
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def select_and_run(page, action_label):
    page.check("input.action-select")
    page.select_option("select[name=action]", label=action_label)
    page.click("button[name=index]")
