from django.db.models import QuerySet

from apps.reviews.models import Review


def review_list(*, listing=None) -> QuerySet:
    """Visible reviews (row-level security hides the hidden ones from the public)."""
    queryset = Review.objects.filter(is_hidden=False).select_related("listing").only(
        "id", "rating", "comment", "photos", "created_at", "updated_at", "listing__id",
        "listing__title", "booking_id",
    )  # fmt: skip
    if listing is not None:
        queryset = queryset.filter(listing=listing)
    return queryset


def review_detail_queryset() -> QuerySet:
    # No join on bookings: the public may see a review without seeing its booking.
    return Review.objects.all()
