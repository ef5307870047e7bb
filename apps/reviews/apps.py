from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "apps.reviews"
    label = "reviews"
    verbose_name = _("Reviews")
    # Named after listings, but computed from reviews and defined in reviews' migrations (see
    # apps/core/db/catalog.py: which app's sql/current.sql lists a function).
    database_functions = ("listings_refresh_rating",)
    # Tables whose triggers write audit_logs (the audit admin's table filter lists them).
    audited_tables = ("reviews", "review_replies")
    # backup_verify: each restored main table read joined to the rows it points to.
    backup_smoke_queries = {
        "reviews": """SELECT count(*) FROM reviews r
        JOIN bookings b ON b.id = r.booking_id JOIN listings l ON l.id = r.listing_id""",
    }

    def ready(self):
        from django.db.models import OuterRef, Subquery

        from apps.bookings.selectors import register_booking_annotation
        from apps.reviews import (
            notifications,  # noqa: F401 (registers its notification kind)
            personal_data,
        )
        from apps.reviews.models import GuestRating

        def guest_rating(column):
            return lambda: Subquery(
                GuestRating.objects.filter(user_id=OuterRef("guest_id")).values(column)[:1]
            )

        register_booking_annotation("guest_rating_avg", guest_rating("rating_avg"))
        register_booking_annotation("guest_review_count", guest_rating("review_count"))
        checks.register(check_review_window_days, checks.Tags.database)
        personal_data.register()


def check_review_window_days(app_configs=None, databases=None, **kwargs):
    """REVIEW_WINDOW_DAYS must be PostgreSQL's window (reviews_window_days(), written by a
    migration): else the API would accept reviews the database refuses, or publish them on
    another day than the policy. A database check: run by migrate and `check --database`."""
    from django.conf import settings
    from django.db import DatabaseError, connections

    errors = []
    for alias in databases or ():
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT reviews_window_days()")
                days = cursor.fetchone()[0]
        except DatabaseError:  # not migrated yet: migrate writes it
            continue
        if days != settings.REVIEW_WINDOW_DAYS:
            errors.append(
                checks.Error(
                    f"REVIEW_WINDOW_DAYS is {settings.REVIEW_WINDOW_DAYS} but the database "
                    f"{alias!r} keeps reviews open {days} days after check-out.",
                    hint="Add a migration restating reviews_window_days() with the new value "
                    "(see reviews.0011), or set the setting back.",
                    id="reviews.E001",
                )
            )
    return errors
