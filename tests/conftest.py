"""Shared fixtures. Data comes from factories (tests/factories); nothing mutable is shared."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.groups import ensure_staff_groups
from apps.accounts.models import Tenant
from apps.core import context
from tests.factories import UserFactory


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def owner(db):
    return UserFactory(owner=True)


@pytest.fixture
def staff_user(db):
    return UserFactory(staff=True)


@pytest.fixture
def superuser_client(db) -> Client:
    """A browser logged in to the admin as a superuser."""
    client = Client()
    client.force_login(UserFactory(staff=True, is_superuser=True))
    return client


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("also_through_pgbouncer"):
        metafunc.parametrize("database_route", ["direct", "pgbouncer"], indirect=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """pytest-django runs transactional tests last (their flush empties every table, the
    default tenant included); pytest's grouping by the module-scoped `database_route` comes
    after it and may move them: order them again as pytest-django does (a stable sort)."""
    from pytest_django.plugin import pytest_collection_modifyitems as django_order

    django_order(items)


@pytest.fixture(scope="session")
def pgbouncer_server(django_db_setup, django_db_blocker):
    """PgBouncer in transaction mode in front of the test database (tests/pgbouncer.py), its
    clients logged in as a role of their own without rights; started once per session."""
    from django.db import connection

    from tests.pgbouncer import login_role, pgbouncer

    database = dict(connection.settings_dict)
    with (
        django_db_blocker.unblock(),
        login_role(database, f"{database['NAME']}_pgb_login"[:63]) as login,
        pgbouncer(database, login=login) as bouncer,
    ):
        yield bouncer


@pytest.fixture(scope="module")
def database_route(request):
    """How the tests' connection reaches PostgreSQL: "direct", or — for the modules marked
    also_through_pgbouncer, their tests a second time — "pgbouncer": through PgBouncer in
    transaction mode, logged in as a role without rights, each transaction switching role.

    Module-scoped, so that the route is in place before pytest-django opens a test's
    transaction; a transactional test's flush (owner work, a command) connects directly."""
    route = getattr(request, "param", "direct")
    if route != "pgbouncer":
        yield route
        return
    from django.db import connection

    from tests.pgbouncer import through

    bouncer = request.getfixturevalue("pgbouncer_server")
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(through(saved, bouncer))
    try:
        yield route
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture(autouse=True)
def _system_db_context(request, database_route):
    """Tests arrange their data as a system actor (as `seed` or a staff tool would), so that
    row-level security does not stand in the way of factories. Tests of the policies set the
    context they examine explicitly; requests through the test client set their own."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    if marker.kwargs.get("transaction") or (marker.args and marker.args[0]):
        request.getfixturevalue("transactional_db")
        # Flushing after a transactional test empties every table, the default tenant (a
        # data migration's row) included: put it back for the next one.
        with context.db_context(context.DbContext.system("tests")):
            Tenant.objects.get_or_create(
                slug=settings.DEFAULT_TENANT_SLUG, defaults={"name": "Havre"}
            )
            ensure_staff_groups(Group, Permission)
        return
    request.getfixturevalue("db")
    context.apply(context.DbContext.system("tests"))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters and cached look-ups never carry from one test to the next. Only this
    suite's keys (its KEY_PREFIX) are deleted: cache.clear() would FLUSHDB a Redis database
    other checkouts' suites share."""
    from django.core.cache import cache

    cache.delete_pattern("*")
