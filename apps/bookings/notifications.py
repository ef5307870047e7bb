"""The notification kinds bookings sends (apps.notifications.kinds), registered in ready()."""

from django.utils.translation import gettext_lazy as _

from apps.notifications.kinds import NotificationKind, register

BOOKING_REQUESTED = register(NotificationKind("booking_requested", label=_("Booking requests")))
