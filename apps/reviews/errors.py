"""Reviews' domain errors (apps.core.errors holds the generic ones)."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict


class ReviewExists(Conflict):
    code = "review_exists"
    default_message = _("You already reviewed this stay.")


class ReplyExists(Conflict):
    code = "reply_exists"
    default_message = _("You already replied to this review.")


class ReviewPublished(Conflict):
    code = "review_published"
    default_message = _("A published review can no longer be changed.")
