"""Bookings' domain errors (apps.core.errors holds the generic ones)."""

from apps.core.errors import Conflict


class BookingConflict(Conflict):
    code = "booking_conflict"
    default_message = "These dates overlap another booking of this listing."
