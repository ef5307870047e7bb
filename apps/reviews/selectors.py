"""Reads of reviews. Row-level security shows the public the reviews that are not hidden, of
listings they may see; the author always sees theirs; staff everything."""

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.listings.models import Listing
from apps.reviews.models import Review

# What ReviewSerializer renders, and nothing else (no join: the public may not see bookings).
SERIALIZED_FIELDS = (
    "id", "listing_id", "rating", "comment", "photos", "is_hidden", "created_at", "updated_at",
)  # fmt: skip


def review_list(*, listing: Listing | int | None = None) -> QuerySet:
    """The public list, of one listing: never hidden reviews, not even for the staff and
    authors who may read them one by one. (Without a listing it spans the tenant: costly under
    row-level security, whose listing check then scans every listing; the API never asks.)"""
    queryset = Review.objects.filter(is_hidden=False).only(*SERIALIZED_FIELDS)
    if listing is not None:
        queryset = queryset.filter(listing=listing)
    return queryset


def review_list_of_author(*, user: User) -> QuerySet:
    """The reviews the user wrote (as their bookings' guest), hidden ones included."""
    return Review.objects.filter(booking__guest=user).only(*SERIALIZED_FIELDS)


def review_detail_queryset() -> QuerySet:
    return Review.objects.only(*SERIALIZED_FIELDS)
