from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "apps.bookings"
    label = "bookings"
    verbose_name = _("Bookings")
    # Named after listings, but reads the calendar and is defined in bookings' migrations (see
    # apps/core/db/catalog.py: which app's sql/current.sql lists a function).
    database_functions = ("listing_unavailable_ranges",)
    # Tables whose triggers write audit_logs (the audit admin's table filter lists them).
    audited_tables = ("bookings", "calendar_entries", "calendar_exports", "calendar_feeds")
    # backup_verify: each restored main table read joined to the rows it points to.
    backup_smoke_queries = {
        "bookings": """SELECT count(*) FROM bookings b
        JOIN listings l ON l.id = b.listing_id JOIN users g ON g.id = b.guest_id""",
    }

    def ready(self):
        from apps.bookings import (
            notifications,  # noqa: F401 (registers its notification kinds)
            personal_data,
        )
        from apps.bookings.selectors import listings_still_booked
        from apps.core.soft_delete import register_purge_keep
        from apps.listings.models import Listing

        checks.register(check_max_advance_days)
        checks.register(check_max_pending_requests, checks.Tags.database)
        register_purge_keep(Listing, reason="still booked", rows=listings_still_booked)
        personal_data.register()


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


def check_max_pending_requests(app_configs=None, databases=None, **kwargs):
    """MAX_PENDING_REQUESTS_PER_GUEST must be PostgreSQL's limit (bookings_max_pending_requests(),
    written by a migration): else the API would promise a limit the database does not keep. A
    database check: run by migrate and `check --database default`."""
    from django.conf import settings
    from django.db import DatabaseError, connections

    errors = []
    for alias in databases or ():
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT bookings_max_pending_requests()")
                limit = cursor.fetchone()[0]
        except DatabaseError:  # not migrated yet: migrate writes it
            continue
        if limit != settings.MAX_PENDING_REQUESTS_PER_GUEST:
            errors.append(
                checks.Error(
                    f"MAX_PENDING_REQUESTS_PER_GUEST is {settings.MAX_PENDING_REQUESTS_PER_GUEST}"
                    f" but the database {alias!r} allows {limit} pending requests per guest.",
                    hint="Add a migration restating bookings_max_pending_requests() with the new "
                    "limit (see bookings.0013), or set the setting back.",
                    id="bookings.E002",
                )
            )
    return errors
