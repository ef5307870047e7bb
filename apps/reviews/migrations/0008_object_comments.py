"""What each of reviews' functions, triggers and policies is for (COMMENT ON, nothing else)."""

from django.db import migrations

from apps.core.db.comments import audit_trigger_comments, comment_on

COMMENTS = {
    "FUNCTION listings_refresh_rating(target_listing bigint)": (
        "Recomputes a listing's rating_avg and review_count from its visible reviews."
    ),
    "FUNCTION reviews_refresh_listing_rating()": (
        "Trigger function: refreshes the rating of the listings a review change touches."
    ),
    "FUNCTION reviews_set_listing()": (
        "Trigger function: sets a review's listing from its booking, so that they never disagree."
    ),
    "TRIGGER reviews_listing_from_booking ON reviews": (
        "Takes a review's listing from its booking on every insert and update."
    ),
    "TRIGGER reviews_listing_rating ON reviews": (
        "Keeps the listing's rating current when a review is added, removed, rated or hidden."
    ),
    "POLICY reviews_public_read ON reviews": (
        "Anyone reads the visible reviews of listings they can see in the request's tenant."
    ),
    "POLICY reviews_author ON reviews": (
        "The guest of the reviewed booking reads and writes their review."
    ),
    "POLICY reviews_staff_and_system ON reviews": (
        "Staff and system actors (moderation) manage every review."
    ),
    **audit_trigger_comments("reviews"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0007_privileged_columns"),
        ("core", "0008_object_comments"),
    ]

    operations = [comment_on(COMMENTS)]
