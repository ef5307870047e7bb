"""Wishlists' part of a person's data (apps.accounts.personal_data), registered in ready().

A wishlist is its owner's alone, and its name may say anything about them: the erasure
deletes the lists and what they hold (nobody else sees or needs them)."""

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q

from apps.accounts.personal_data import (
    queryset_section,
    register_erasure_step,
    register_export_section,
)
from apps.wishlists.models import Wishlist
from apps.wishlists.services import wishlists_erase


def _wishlists_of(user):
    return Wishlist.objects.filter(owner=user).annotate(
        listing_ids=ArrayAgg(
            "items__listing_id",
            filter=Q(items__isnull=False),
            order_by="items__id",
            default=[],
        )
    )


def register() -> None:
    register_export_section(
        queryset_section(
            "wishlists",
            "Your wishlists: name, dates and the ids of the listings saved in each (those no "
            "longer public included), in the order you saved them.",
            _wishlists_of,
            ("id", "name", "created_at", "updated_at", "listing_ids"),
        )
    )
    register_erasure_step(lambda user: wishlists_erase(user=user))
