"""Reviews' domain errors (apps.core.errors holds the generic ones)."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict


class ReviewExists(Conflict):
    code = "review_exists"
    default_message = _("This booking already has a review.")
