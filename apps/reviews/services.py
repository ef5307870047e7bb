"""Every write to reviews goes through here."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.core.errors import Conflict, NotFound, PermissionDenied
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


class ReviewExists(Conflict):
    code = "review_exists"
    default_message = "This booking already has a review."


REVIEWABLE_STATUSES = ("confirmed", "completed")


@transaction.atomic
def review_create(*, author: User, booking_id: int, rating: int, comment=None, photos=()) -> Review:
    """Only the booking's guest, after check-out of a confirmed or completed stay, once."""
    booking = Booking.objects.filter(pk=booking_id).select_related("listing").first()
    if booking is None:  # not theirs to see (row-level security) or no such booking
        raise NotFound("No such booking.")
    if booking.guest_id != author.pk:
        raise PermissionDenied("Only the booking's guest reviews the stay.")
    if booking.status not in REVIEWABLE_STATUSES:
        raise ValidationError({"booking": "Only confirmed or completed stays can be reviewed."})
    if booking.check_out > timezone.localdate():
        raise ValidationError({"booking": "Reviews open after check-out."})
    try:
        with transaction.atomic():
            return Review.objects.create(
                booking=booking,
                listing_id=booking.listing_id,
                tenant_id=booking.tenant_id,
                rating=rating,
                comment=comment,
                photos=list(photos),
            )
    except IntegrityError as exc:
        raise ReviewExists() from exc


@transaction.atomic
def review_update(*, review: Review, author: User, data: dict) -> Review:
    if not Booking.objects.filter(pk=review.booking_id, guest_id=author.pk).exists():
        raise PermissionDenied("Only its author changes a review.")
    for field, value in data.items():
        setattr(review, field, value)
    if data:
        review.save(update_fields=[*data.keys(), "updated_at"])
    return review
