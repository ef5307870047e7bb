"""Listings' part of a person's data (apps.accounts.personal_data), registered in ready()."""

from django.db.models import Q

from apps.accounts.personal_data import (
    queryset_section,
    register_erasure_step,
    register_export_section,
)
from apps.listings.models import Listing
from apps.listings.services import listing_soft_delete

# The search vector is derived from the title and description, both already in the export.
EXPORTED_FIELDS = tuple(
    field.attname for field in Listing._meta.concrete_fields if field.name != "search_vector"
)


def take_down_listings(user) -> None:
    """An erased host's listings leave the site (soft-deleted: their bookings keep them, the
    purge then keeps what is still booked); their content stays, as their bookings do."""
    for listing in Listing.objects.filter(owner=user).filter(Q(deleted_at__isnull=True)):
        listing_soft_delete(listing=listing, actor=user)


def register() -> None:
    register_export_section(
        queryset_section(
            "listings",
            "The listings you own, deleted ones included while they are kept.",
            lambda user: Listing.all_objects.filter(owner=user),
            EXPORTED_FIELDS,
        )
    )
    register_erasure_step(take_down_listings)
