"""Every write to bookings goes through here."""

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.bookings.models import Booking, BookingStatus
from apps.core.errors import InvalidTransition

CANCELLABLE_FROM = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


@transaction.atomic
def booking_cancel(*, booking: Booking, reason: str, actor: User) -> Booking:
    if booking.status not in CANCELLABLE_FROM:
        raise InvalidTransition(f"A {booking.status} booking cannot be cancelled.")
    booking.status = BookingStatus.CANCELLED
    booking.cancellation_reason = (reason or "").strip()
    booking.save(update_fields=["status", "cancellation_reason", "updated_at"])
    return booking


@transaction.atomic
def bookings_complete_past(*, today=None) -> int:
    """Confirmed stays whose check-out has passed become completed (hourly cron)."""
    today = today or timezone.localdate()
    return Booking.objects.filter(status=BookingStatus.CONFIRMED, check_out__lte=today).update(
        status=BookingStatus.COMPLETED, updated_at=timezone.now()
    )
