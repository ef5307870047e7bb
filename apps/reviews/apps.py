from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "apps.reviews"
    label = "reviews"
    verbose_name = _("Reviews")
    # Named after listings, but computed from reviews and defined in reviews' migrations (see
    # apps/core/db/catalog.py: which app's sql/current.sql lists a function).
    database_functions = ("listings_refresh_rating",)
    # Tables whose triggers write audit_logs (the audit admin's table filter lists them).
    audited_tables = ("reviews",)
    # backup_verify: each restored main table read joined to the rows it points to.
    backup_smoke_queries = {
        "reviews": """SELECT count(*) FROM reviews r
        JOIN bookings b ON b.id = r.booking_id JOIN listings l ON l.id = r.listing_id""",
    }

    def ready(self):
        from apps.reviews import personal_data

        personal_data.register()
