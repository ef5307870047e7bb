"""The search cards' `saved` reads the index on (owner_id, listing_id), under the caller's
row-level security: its cost follows the user's saves, not everyone's."""

import pytest

from apps.listings.models import Listing
from apps.listings.selectors import listing_card_rows
from apps.wishlists.models import WishlistItem
from tests.db import acting_as, as_table_owner, execute
from tests.factories import UserFactory, WishlistFactory
from tests.factories.listings import listings_of

pytestmark = pytest.mark.django_db


def test_the_saved_flag_is_read_from_the_index_of_the_users_saves():
    host = UserFactory(owner=True)
    listings = listings_of(host, 200)
    people = [WishlistFactory() for _ in range(40)]
    WishlistItem.objects.bulk_create(
        WishlistItem(wishlist=w, owner_id=w.owner_id, listing=listing)
        for w in people
        for listing in listings[:100]
    )  # 4,000 saves, 100 a person
    with as_table_owner():
        execute("ANALYZE wishlist_items")
    viewer = people[0].owner
    ids = [listing.pk for listing in listings[:20]]

    with acting_as(viewer):
        cards = listing_card_rows(Listing.objects.filter(id__in=ids), viewer=viewer)
        text = cards.explain()
        flags = {row["id"]: row["saved"] for row in cards}

    assert "wishlist_items_saved" in text, text
    assert flags == dict.fromkeys(ids, True)
