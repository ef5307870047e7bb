"""Bookings' jobs (apps.jobs.queue): a pending request's expiry."""

from apps.bookings.models import Booking, BookingStatus
from apps.bookings.services import booking_expire
from apps.jobs.queue import task


@task()
def expire_booking_request(*, booking_id: int) -> None:
    """Deferred by booking_create, due at the request's expires_at: the request expires if the
    host has not answered (booking_expire; nothing happens otherwise). Run early — a clock
    moved, BOOKING_REQUEST_TTL_HOURS raised since — it waits for the new expires_at instead."""
    if booking_expire(booking_id=booking_id):
        return
    booking = (
        Booking.objects.filter(pk=booking_id, status=BookingStatus.PENDING)
        .only("id", "status", "created_at")
        .first()
    )
    if booking is not None:
        expire_booking_request.defer_once(
            queueing_lock=f"bookings:expire:{booking_id}",
            schedule_at=booking.expires_at,
            booking_id=booking_id,
        )
