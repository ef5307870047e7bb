"""Reviews' domain errors (apps.core.errors holds the generic ones)."""

from apps.core.errors import Conflict


class ReviewExists(Conflict):
    code = "review_exists"
    default_message = "This booking already has a review."
