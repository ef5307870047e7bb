"""Wishlists' domain errors (apps.core.errors holds the generic ones)."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict
from apps.wishlists.models import MAX_LISTINGS_PER_WISHLIST, MAX_WISHLISTS_PER_USER


class WishlistNameTaken(Conflict):
    """Names are unique per owner whatever their case (wishlists_owner_name_unique)."""

    code = "wishlist_name_taken"
    default_message = _("You already have a wishlist of this name.")

    def __init__(self):
        super().__init__(fields={"name": [str(self.default_message)]})


class TooManyWishlists(Conflict):
    """The owner has MAX_WISHLISTS_PER_USER lists (PostgreSQL's trigger wishlists_limit)."""

    code = "too_many_wishlists"
    default_message = _("You have %(max)d wishlists, the most one may keep: delete one first.")

    def __init__(self):
        super().__init__(self.default_message % {"max": MAX_WISHLISTS_PER_USER})


class WishlistFull(Conflict):
    """The list holds MAX_LISTINGS_PER_WISHLIST listings (trigger wishlist_items_limit)."""

    code = "wishlist_full"
    default_message = _(
        "This wishlist holds %(max)d listings, the most it may: remove one or use another list."
    )

    def __init__(self):
        super().__init__(self.default_message % {"max": MAX_LISTINGS_PER_WISHLIST})
