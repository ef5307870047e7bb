import factory

from apps.wishlists.models import Wishlist, WishlistItem
from tests.factories.accounts import UserFactory


class WishlistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wishlist

    name = factory.Sequence(lambda n: f"Trip {n}")
    owner = factory.SubFactory(UserFactory)
    tenant = factory.SelfAttribute("owner.tenant")


def saved(wishlist: Wishlist, *listings) -> list[WishlistItem]:
    """`listings` saved in `wishlist` (as a system actor: the tests' arranging context)."""
    return WishlistItem.objects.bulk_create(
        WishlistItem(wishlist=wishlist, owner_id=wishlist.owner_id, listing=listing)
        for listing in listings
    )
