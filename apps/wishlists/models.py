"""Wishlists: a user's named lists of listings they saved. Private to their owner (row-level
security, migration wishlists.0002); a saved listing shows in a list only while it is public."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Now
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel

# PostgreSQL holds these limits too (wishlists_max_per_owner(),
# wishlist_items_max_per_wishlist(), migration wishlists.0002): racing requests cannot pass
# them. A test checks both sides say the same.
MAX_WISHLISTS_PER_USER = 50
MAX_LISTINGS_PER_WISHLIST = 500
MAX_NAME_LENGTH = 100


class Wishlist(TimeStampedModel):
    name = models.CharField(max_length=MAX_NAME_LENGTH, verbose_name=_("name"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wishlists",
        db_index=False,  # wishlists_owner_name_unique leads with it
        verbose_name=_("owner"),
    )
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, related_name="+", verbose_name=_("tenant")
    )

    class Meta:
        db_table = "wishlists"
        verbose_name = _("wishlist")
        verbose_name_plural = _("wishlists")
        constraints = [
            # One name per owner, whatever its case: "Paris" and "paris" are the same list.
            # The tenant (the owner's) changes nothing here and lets the index be split by
            # tenant (docs/scaling.md).
            models.UniqueConstraint(
                F("owner"),
                Lower("name"),
                F("tenant"),
                name="wishlists_owner_name_unique",
                violation_error_code="wishlist_name_taken",
                violation_error_message=_("You already have a wishlist of this name."),
            ),
            # What wishlist_items' (wishlist_id, owner_id) foreign key points at: an item is
            # always its wishlist's owner's.
            models.UniqueConstraint(fields=["id", "owner"], name="wishlists_id_owner_unique"),
            # Never blank, never padded: the service trims, PostgreSQL checks.
            models.CheckConstraint(
                condition=Q(name__regex=r"^\S(.*\S)?$"), name="wishlists_name_trimmed"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WishlistItem(models.Model):
    """A listing saved in a wishlist. `owner` repeats the wishlist's (a composite foreign key
    keeps them equal): row-level security and the search cards' `saved` read it without a
    join."""

    wishlist = models.ForeignKey(
        Wishlist,
        on_delete=models.CASCADE,
        related_name="items",
        db_index=False,  # wishlist_items_listing_once leads with it
        verbose_name=_("wishlist"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # wishlist_items_saved leads with it
        editable=False,
        verbose_name=_("owner"),
    )
    listing = models.ForeignKey(
        "listings.Listing",
        on_delete=models.CASCADE,
        related_name="wishlist_items",
        verbose_name=_("listing"),
    )
    created_at = models.DateTimeField(db_default=Now(), editable=False, verbose_name=_("saved at"))

    class Meta:
        db_table = "wishlist_items"
        verbose_name = _("saved listing")
        verbose_name_plural = _("saved listings")
        constraints = [
            models.UniqueConstraint(
                fields=["wishlist", "listing"],
                name="wishlist_items_listing_once",
                violation_error_code="already_saved",
                violation_error_message=_("This wishlist already holds this listing."),
            ),
        ]
        indexes = [
            # Has this user saved this listing (a search card's `saved`)?
            models.Index(fields=["owner", "listing"], name="wishlist_items_saved"),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} in {self.wishlist_id}"
