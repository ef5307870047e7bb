"""Every write to reviews goes through here."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.bookings.models import Booking, BookingStatus
from apps.core import dates
from apps.core.actors import require_permission, require_signed_in
from apps.core.errors import NotFound, PermissionDenied
from apps.listings.models import Listing
from apps.reviews import notifications
from apps.reviews.errors import ReplyExists, ReviewExists, ReviewPublished
from apps.reviews.models import AuthorRole, Review, ReviewReply

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


UNIQUE_PER_SIDE = "reviews_booking_role_key"
WITHIN_WINDOW = "reviews_within_window"
REVIEWABLE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
EDITABLE_FIELDS = ("rating", "comment", "photos")
MAX_COMMENT_LENGTH = 2000
MAX_PHOTOS = 20
# What the database sets on insert (reviews_derive_columns), read back after the write.
DERIVED_FIELDS = ("listing", "author", "subject", "window_closes_on", "published_at")


def _constraint_of(exc: Exception) -> str | None:
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)


def review_window_closes_on(check_out: dt.date) -> dt.date:
    """The last day either side of a stay may review it (PostgreSQL: reviews_window_days())."""
    return check_out + dt.timedelta(days=settings.REVIEW_WINDOW_DAYS)


@transaction.atomic
def review_create(
    *, booking_id: int, rating: int, comment: str | None = None, photos=(), actor: User
) -> Review:
    """A side of a stay reviews the other, once: the booking's guest reviews the stay (the
    listing), its listing's host reviews the guest — from the check-out day of a confirmed or
    completed booking to REVIEW_WINDOW_DAYS after it. The review stays its author's alone until
    the other side has written too or the window closes (PostgreSQL publishes it). A booking
    the actor cannot see is "not found"; one they see but are no side of is forbidden; one not
    (or no longer) reviewable is invalid input."""
    require_signed_in(actor)
    booking = (
        Booking.objects.filter(pk=booking_id)
        .values("id", "guest_id", "listing_id", "tenant_id", "status", "check_out")
        .first()
    )
    if booking is None:  # row-level security: not theirs to see, or no such booking
        raise NotFound(_("No such booking."))
    if booking["guest_id"] == actor.pk:
        role = AuthorRole.GUEST
    # Not a join from the booking: a guest may no longer see a listing since unpublished.
    elif Listing.all_objects.filter(pk=booking["listing_id"], owner_id=actor.pk).exists():
        role = AuthorRole.HOST
    else:
        raise PermissionDenied(_("Only the booking's guest and its host review the stay."))
    if booking["status"] not in REVIEWABLE_STATUSES:
        raise ValidationError({"booking": _("Only confirmed or completed stays can be reviewed.")})
    today = dates.today()
    if booking["check_out"] > today:
        raise ValidationError({"booking": _("Reviews open on the check-out day.")})
    closes_on = review_window_closes_on(booking["check_out"])
    if closes_on < today:
        raise ValidationError(
            {"booking": _("Reviews of this stay closed on %(date)s.") % {"date": closes_on}}
        )
    try:
        # A savepoint: a unique violation leaves the request's transaction usable.
        with transaction.atomic():
            review = Review.objects.create(
                booking_id=booking["id"],
                author_role=role,
                # The database sets them from the booking anyway, the author too.
                listing_id=booking["listing_id"],
                tenant_id=booking["tenant_id"],
                rating=rating,
                comment=comment,
                photos=list(photos),
            )
    except IntegrityError as exc:
        # The unique constraint on (booking, role) is the guard, racing requests included;
        # the window's trigger, a stay that closed between the check and the write.
        if _constraint_of(exc) == UNIQUE_PER_SIDE:
            raise ReviewExists() from exc
        if _constraint_of(exc) == WITHIN_WINDOW:
            raise ValidationError({"booking": _("This stay cannot be reviewed now.")}) from exc
        raise
    review.refresh_from_db(fields=DERIVED_FIELDS)
    notifications.notify_review_written(review)
    return review


@transaction.atomic
def review_update(*, review: Review, changes: dict, actor: User) -> Review:
    """Its author changes the rating, comment or photos of their review, while only they read
    it: once published, a review is final (no rewriting it after reading the other side's)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in unknown})
    if review.author_id != actor.pk:
        raise PermissionDenied(_("Only its author changes a review."))
    if review_is_published(review):
        raise ReviewPublished()
    if changes:
        for field, value in changes.items():
            setattr(review, field, value)
        review.save(update_fields=[*changes, "updated_at"])
    return review


def review_is_published(review: Review) -> bool:
    """Both sides wrote, or the window closed: what the row-level security policies say."""
    return review.published_at is not None or (
        review.window_closes_on is not None and review.window_closes_on < dates.today()
    )


@transaction.atomic
def reviews_publish_closed() -> int:
    """Reviews whose window closed with one side only are published: row-level security shows
    them from the day after the window already; publishing counts them in the listing's rating.
    Run it in a privileged context (a command's); returns how many."""
    return Review.objects.filter(
        published_at__isnull=True, window_closes_on__lt=dates.today()
    ).update(published_at=timezone.now(), updated_at=timezone.now())


MAX_REPLY_LENGTH = 2000
UNIQUE_REPLY = "review_replies_review_id_key"


@transaction.atomic
def review_reply(*, review_id: int, body: str, actor: User) -> ReviewReply:
    """The reviewed party answers a review, once, once it is published (before, they cannot
    read it: "not found"). Its author and anyone else are forbidden."""
    require_signed_in(actor)
    review = Review.objects.filter(pk=review_id).only("id", "tenant_id", "subject_id").first()
    if review is None:  # row-level security: unpublished, hidden, or no such review
        raise NotFound(_("No such review."))
    if review.subject_id != actor.pk:
        raise PermissionDenied(_("Only the reviewed party replies to a review."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a reply.")})
    try:
        with transaction.atomic():
            return ReviewReply.objects.create(
                review_id=review.pk, tenant_id=review.tenant_id, author=actor, body=body
            )
    except IntegrityError as exc:
        if _constraint_of(exc) == UNIQUE_REPLY:
            raise ReplyExists() from exc
        raise


@transaction.atomic
def reply_hide(*, reply: ReviewReply, reason: str, actor: User) -> ReviewReply:
    """Moderation, as for reviews: the reply stays for the record but leaves the pages."""
    require_permission(actor, MODERATE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"hidden_reason": _("Say why the reply is hidden.")})
    reply.is_hidden = True
    reply.hidden_reason = reason
    reply.hidden_at = timezone.now()
    reply.hidden_by = actor
    reply.save(update_fields=["is_hidden", "hidden_reason", "hidden_at", "hidden_by", "updated_at"])
    return reply


@transaction.atomic
def reply_unhide(*, reply: ReviewReply, actor: User) -> ReviewReply:
    require_permission(actor, MODERATE)
    reply.is_hidden = False
    reply.hidden_reason = ""
    reply.hidden_at = None
    reply.hidden_by = None
    reply.save(update_fields=["is_hidden", "hidden_reason", "hidden_at", "hidden_by", "updated_at"])
    return reply
