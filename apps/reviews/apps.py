from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "apps.reviews"
    label = "reviews"
    verbose_name = "Reviews"
    # Named after listings, but computed from reviews and defined in reviews' migrations (see
    # apps/core/db/catalog.py: which app's sql/current.sql lists a function).
    database_functions = ("listings_refresh_rating",)
