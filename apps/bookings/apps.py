from django.apps import AppConfig
from django.core import checks


class BookingsConfig(AppConfig):
    name = "apps.bookings"
    label = "bookings"
    verbose_name = "Bookings"
    # Named after listings, but reads bookings and is defined in bookings' migrations (see
    # apps/core/db/catalog.py: which app's sql/current.sql lists a function).
    database_functions = ("listing_booked_ranges",)

    def ready(self):
        checks.register(check_max_advance_days)


def check_max_advance_days(app_configs=None, **kwargs):
    """BOOKING_MAX_ADVANCE_DAYS above the database's ceiling would promise stays PostgreSQL
    refuses (a 500 instead of a 400)."""
    from django.conf import settings

    from apps.core.dates import HORIZON_DAYS

    days = settings.BOOKING_MAX_ADVANCE_DAYS
    if not 0 < days <= HORIZON_DAYS:
        return [
            checks.Error(
                f"BOOKING_MAX_ADVANCE_DAYS is {days}: give 1 to {HORIZON_DAYS} "
                "(the database refuses stays starting later, trigger "
                "bookings_check_in_within_advance).",
                id="bookings.E001",
            )
        ]
    return []
