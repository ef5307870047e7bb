"""A listing purged for good leaves the wishlists that saved it (the purge, a system actor,
deletes their items with it); until then a soft-deleted listing only hides from them."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.listings.models import Listing
from apps.wishlists.models import WishlistItem
from tests.factories import ListingFactory, WishlistFactory
from tests.factories.wishlists import saved
from tests.helpers import client_for, ids

pytestmark = pytest.mark.django_db


def test_purging_a_saved_listing_removes_it_from_the_lists_that_held_it():
    wishlist = WishlistFactory()
    gone, kept = ListingFactory(), ListingFactory()
    saved(wishlist, gone, kept)
    Listing.all_objects.filter(pk=gone.pk).update(
        created_at=timezone.now() - dt.timedelta(days=41),
        deleted_at=timezone.now() - dt.timedelta(days=40),
    )
    url = f"/api/v1/wishlists/{wishlist.pk}/listings/"
    assert ids(client_for(wishlist.owner).get(url)) == [kept.pk]  # hidden, still saved
    assert WishlistItem.objects.filter(listing=gone).exists()

    call_command("purge_soft_deleted", "--older-than", "30d", "--noinput")

    assert not Listing.all_objects.filter(pk=gone.pk).exists()
    assert list(WishlistItem.objects.values_list("listing_id", flat=True)) == [kept.pk]
    assert ids(client_for(wishlist.owner).get(url)) == [kept.pk]
