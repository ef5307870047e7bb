"""Reads of wishlists. Row-level security shows a list and its items to their owner only (and
to staff holding wishlists.view_wishlist); the API narrows that to the caller's own lists,
staff included."""

from django.db.models import (
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from apps.listings.selectors import listing_card_rows, listing_public_queryset
from apps.wishlists.models import Wishlist, WishlistItem

# Newest list first; within a list, the listing saved last first.
ORDERING = ("-created_at", "-id")
CARDS_ORDERING = ("-saved_at", "-item_id")


def public_listing_count() -> Expression:
    """How many listings of a wishlist are public now: the hidden ones count for no one."""
    counted = (
        WishlistItem.objects.filter(
            wishlist=OuterRef("pk"), listing__in=listing_public_queryset().values("pk")
        )
        .order_by()
        .values("wishlist")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def wishlist_list(*, user) -> QuerySet:
    """The user's lists, each with its count of public listings: one query a page."""
    return (
        Wishlist.objects.filter(owner=user)
        .only("id", "name", "created_at", "updated_at", "owner_id")
        .annotate(listing_count=public_listing_count())
    )


def wishlist_detail_queryset(*, user) -> QuerySet:
    """The caller's own lists only — staff included: they read others' in no API."""
    return wishlist_list(user=user)


def wishlist_listing_cards(*, wishlist: Wishlist, viewer) -> QuerySet:
    """The search cards of the list's public listings (saved_at: when saved), as dict rows
    to paginate by CARDS_ORDERING: one query a page, from the listings app's card query. A
    listing that stops being public leaves the cards (and the count) until it is public
    again; row-level security on listings hides other tenants' and others' drafts anyway."""
    saved_here = listing_public_queryset().filter(wishlist_items__wishlist=wishlist)
    return listing_card_rows(
        saved_here,
        viewer=viewer,
        saved_at=F("wishlist_items__created_at"),
        item_id=F("wishlist_items__id"),
    )


def saved_by(user_id: int) -> Expression:
    """On a listings row: whether that user saved the listing in any of their lists (the
    search cards' `saved`, registered with apps.listings.selectors.register_saved_by). An
    EXISTS served by wishlist_items_saved (owner_id, listing_id)."""
    return Exists(WishlistItem.objects.filter(owner_id=user_id, listing_id=OuterRef("id")))
