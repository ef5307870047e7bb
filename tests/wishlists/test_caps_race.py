"""The caps hold against racing requests: PostgreSQL's per-owner lock lets exactly as many
lists through as the cap allows, whatever the timing (the same trigger shape guards a list's
listings)."""

import threading

import pytest
from django.db import connection

from apps.core.context import DbContext, db_context
from apps.wishlists import services
from apps.wishlists.errors import TooManyWishlists
from apps.wishlists.models import MAX_WISHLISTS_PER_USER, Wishlist
from tests.db import execute
from tests.factories import UserFactory, WishlistFactory


@pytest.mark.django_db(transaction=True)
def test_six_racing_creations_for_the_last_three_places_leave_exactly_the_cap():
    with db_context(DbContext.system("tests")):
        user = UserFactory()
        WishlistFactory.create_batch(MAX_WISHLISTS_PER_USER - 3, owner=user)
    start = threading.Barrier(6)
    outcomes = []

    def attempt(i):
        try:
            with db_context(DbContext().with_user(user)):
                execute("SET LOCAL lock_timeout = '20s'")  # a safety net only
                start.wait(15)
                services.wishlist_create(name=f"Racing {i}", actor=user)
            outcomes.append("created")
        except TooManyWishlists:
            outcomes.append("too_many_wishlists")
        except Exception as exc:  # reported by the assertion
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["created"] * 3 + ["too_many_wishlists"] * 3
    with db_context(DbContext.system("tests")):
        assert Wishlist.objects.filter(owner=user).count() == MAX_WISHLISTS_PER_USER
