"""Every write to reviews goes through here."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.reviews.models import Review

MODERATION_FIELDS = ["is_hidden", "hidden_reason", "hidden_at", "hidden_by", "updated_at"]


@transaction.atomic
def review_hide(*, review: Review, reason: str, actor: User) -> Review:
    """Moderation: the review stays for the record but leaves the public pages."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"hidden_reason": "Say why the review is hidden."})
    review.is_hidden = True
    review.hidden_reason = reason
    review.hidden_at = timezone.now()
    review.hidden_by = actor
    review.save(
        update_fields=["is_hidden", "hidden_reason", "hidden_at", "hidden_by", "updated_at"]
    )
    return review


@transaction.atomic
def review_unhide(*, review: Review, actor: User) -> Review:
    review.is_hidden = False
    review.hidden_reason = ""
    review.hidden_at = None
    review.hidden_by = None
    review.save(
        update_fields=["is_hidden", "hidden_reason", "hidden_at", "hidden_by", "updated_at"]
    )
    return review
