"""Shared fixtures. Data comes from factories (tests/factories); nothing mutable is shared."""

import pytest
from rest_framework.test import APIClient

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
