"""Wishlists in a person's data: the export lists them (nobody else's), the erasure deletes
them."""

import pytest

from apps.wishlists.models import Wishlist, WishlistItem
from tests.factories import ListingFactory, UserFactory, WishlistFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.factories.wishlists import saved
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_callers_lists_with_their_listings_and_nobody_elses():
    user = UserFactory()
    first, second = ListingFactory(), ListingFactory()
    trip = WishlistFactory(owner=user, name="Road trip")
    saved(trip, second)
    saved(trip, first)
    empty = WishlistFactory(owner=user, name="Someday")
    saved(WishlistFactory(name="Someone else's secret"), first)

    document = client_for(user).get("/api/v1/users/me/export/").json()

    items = document["sections"]["wishlists"]["items"]
    assert [(w["id"], w["name"], w["listing_ids"]) for w in items] == [
        (trip.pk, "Road trip", [second.pk, first.pk]),
        (empty.pk, "Someday", []),
    ]
    assert "Someone else's secret" not in str(document)


def test_the_erasure_deletes_the_lists_and_what_they_hold():
    user, other = UserFactory(), UserFactory()
    listing = ListingFactory()
    saved(WishlistFactory(owner=user, name="Private plans"), listing)
    saved(WishlistFactory(owner=other), listing)

    response = client_for(user).delete(
        "/api/v1/users/me/", {"password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 204, response.content
    assert not Wishlist.objects.filter(owner=user).exists()
    assert not WishlistItem.objects.filter(owner=user).exists()
    # Another user's list of the same listing stays.
    assert WishlistItem.objects.filter(owner=other, listing=listing).count() == 1
