"""Reads of reviews. Row-level security shows the public the guests' reviews that are not
hidden, of listings they may see, once published (both sides wrote, or the window closed); the
reviewed party the same of reviews of them; the author always sees theirs; staff everything."""

from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.core import dates
from apps.listings.models import Listing
from apps.reviews.models import AuthorRole, Review

# What ReviewSerializer renders, and nothing else (no join: the public may not see bookings).
SERIALIZED_FIELDS = (
    "id", "listing_id", "author_role", "rating", "comment", "photos", "is_hidden",
    "published_at", "window_closes_on", "created_at", "updated_at",
    "reply__id", "reply__body", "reply__is_hidden", "reply__created_at",
)  # fmt: skip


def published_q() -> Q:
    """The policies' double-blind rule, restated for the lists that must not show even the
    caller's own unpublished review (the public list is the same for everyone)."""
    return Q(published_at__isnull=False) | Q(window_closes_on__lt=dates.today())


def review_list(*, listing: Listing | int | None = None) -> QuerySet:
    """The public list, of one listing: guests' published reviews, never hidden ones, not even
    for the staff and authors who may read them one by one. (Without a listing it spans the
    tenant: costly under row-level security, whose listing check then scans every listing; the
    API never asks.)"""
    queryset = (
        Review.objects.filter(published_q(), is_hidden=False, author_role=AuthorRole.GUEST)
        .select_related("reply")
        .only(*SERIALIZED_FIELDS)
    )
    if listing is not None:
        queryset = queryset.filter(listing=listing)
    return queryset


def review_list_of_author(*, user: User) -> QuerySet:
    """The reviews the user wrote (as a guest or a host), hidden ones included."""
    return Review.objects.filter(author=user).select_related("reply").only(*SERIALIZED_FIELDS)


def review_detail_queryset() -> QuerySet:
    return Review.objects.select_related("reply").only(*SERIALIZED_FIELDS, "author", "subject")
