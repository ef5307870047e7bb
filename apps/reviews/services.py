"""Every write to reviews goes through here."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.bookings.models import Booking, BookingStatus
from apps.core import dates
from apps.core.actors import require_permission, require_signed_in
from apps.core.errors import NotFound, PermissionDenied
from apps.reviews.errors import ReviewExists
from apps.reviews.models import Review

MODERATE = "reviews.moderate_review"


@transaction.atomic
def review_hide(*, review: Review, reason: str, actor: User) -> Review:
    """Moderation: the review stays for the record but leaves the public pages."""
    require_permission(actor, MODERATE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"hidden_reason": _("Say why the review is hidden.")})
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
    require_permission(actor, MODERATE)
    review.is_hidden = False
    review.hidden_reason = ""
    review.hidden_at = None
    review.hidden_by = None
    review.save(
        update_fields=["is_hidden", "hidden_reason", "hidden_at", "hidden_by", "updated_at"]
    )
    return review


UNIQUE_PER_BOOKING = "reviews_booking_id_key"
REVIEWABLE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
EDITABLE_FIELDS = ("rating", "comment", "photos")
MAX_COMMENT_LENGTH = 2000
MAX_PHOTOS = 20


def _constraint_of(exc: IntegrityError) -> str | None:
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)


@transaction.atomic
def review_create(
    *, booking_id: int, rating: int, comment: str | None = None, photos=(), actor: User
) -> Review:
    """The booking's guest reviews the stay, once, from its check-out day on, when the booking
    was confirmed or completed. A booking the actor cannot see is "not found"; one they see
    but did not stay in (the host's) is forbidden; one not (yet) reviewable is invalid input."""
    require_signed_in(actor)
    booking = (
        Booking.objects.filter(pk=booking_id)
        .only("id", "guest_id", "listing_id", "tenant_id", "status", "check_out")
        .first()
    )
    if booking is None:  # row-level security: not theirs to see, or no such booking
        raise NotFound(_("No such booking."))
    if booking.guest_id != actor.pk:
        raise PermissionDenied(_("Only the booking's guest reviews the stay."))
    if booking.status not in REVIEWABLE_STATUSES:
        raise ValidationError({"booking": _("Only confirmed or completed stays can be reviewed.")})
    if booking.check_out > dates.today():
        raise ValidationError({"booking": _("Reviews open on the check-out day.")})
    try:
        # A savepoint: a unique violation leaves the request's transaction usable.
        with transaction.atomic():
            return Review.objects.create(
                booking=booking,
                listing_id=booking.listing_id,  # the database sets it from the booking anyway
                tenant_id=booking.tenant_id,
                rating=rating,
                comment=comment,
                photos=list(photos),
            )
    except IntegrityError as exc:
        # The unique constraint on booking is the guard, racing requests included.
        if _constraint_of(exc) == UNIQUE_PER_BOOKING:
            raise ReviewExists() from exc
        raise


@transaction.atomic
def review_update(*, review: Review, changes: dict, actor: User) -> Review:
    """Its author changes the rating, comment or photos of their review."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in unknown})
    if not Booking.objects.filter(pk=review.booking_id, guest_id=actor.pk).exists():
        raise PermissionDenied(_("Only its author changes a review."))
    if changes:
        for field, value in changes.items():
            setattr(review, field, value)
        review.save(update_fields=[*changes, "updated_at"])
    return review
