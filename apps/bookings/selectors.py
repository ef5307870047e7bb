from django.db.models import QuerySet

from apps.bookings.models import Booking


def booking_list(*, user, role: str = "guest", status=None, start=None, end=None) -> QuerySet:
    """The caller's bookings as guest (default) or as host of the listings."""
    queryset = Booking.objects.select_related("listing").only(
        "id", "check_in", "check_out", "guests", "status", "total_cents", "currency",
        "cancellation_reason", "created_at", "updated_at", "guest_id", "listing__id",
        "listing__title", "listing__owner_id",
    )  # fmt: skip
    if role == "host":
        queryset = queryset.filter(listing__owner=user)
    else:
        queryset = queryset.filter(guest=user)
    if status:
        queryset = queryset.filter(status=status)
    if start:
        queryset = queryset.filter(check_out__gt=start)
    if end:
        queryset = queryset.filter(check_in__lt=end)
    return queryset


def booking_detail_queryset() -> QuerySet:
    # Row-level security shows a booking to its guest, its host and staff only.
    return Booking.objects.select_related("listing")
