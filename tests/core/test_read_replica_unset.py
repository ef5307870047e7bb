"""Without DATABASE_REPLICA_URL (the suite's settings), the read replica's machinery does
nothing: no replica alias, public reads and writes served as before (their query counts are
pinned in the query-count tests), no read-your-writes mark in Redis, no debug header even when
asked for. The replica itself is shown with real servers in tests/core/test_read_replica.py."""

import pytest
from django.core.cache import cache
from django.db import connections

from apps.core.db import replica
from tests.factories import ListingFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def test_without_a_replica_url_there_is_no_replica_alias(settings):
    assert replica.REPLICA_ALIAS not in settings.DATABASES
    assert replica.REPLICA_ALIAS not in connections
    assert not replica.configured()


def test_without_a_replica_reads_and_writes_go_on_as_before(owner, settings):
    settings.REPLICA_DEBUG_HEADER = True
    listing = ListingFactory(owner=owner)
    client = client_for(owner)
    url = f"/api/v1/listings/{listing.pk}/"

    response = client.patch(url, {"title": "A flat with a view"}, format="json")
    assert response.status_code == 200
    assert cache.get(replica.sticky_key(owner.pk)) is None
    assert replica.DEBUG_HEADER not in response.headers

    response = client_for().get(url)
    assert response.status_code == 200
    assert response.json()["title"] == "A flat with a view"
    assert replica.DEBUG_HEADER not in response.headers
