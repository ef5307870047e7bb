"""Bookings' domain errors (apps.core.errors holds the generic ones)."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict


class BookingConflict(Conflict):
    code = "booking_conflict"
    default_message = _("These dates overlap another booking of this listing.")
